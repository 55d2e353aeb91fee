import { defineBackend, z } from "@ferry/sdk";
import { AcmeQueue } from "./memory.queue.js";

export { AcmeQueue };

/**
 * What `queue: { type: ./ferry-plugin-acme }` (or the npm name) loads. The schema sees the
 * section without `type`; keep it strict, so that a misspelt key stops the server naming it.
 */
export default defineBackend({
  kind: "queue",
  type: "acme",
  description: "channels in this process's memory (a starting point for a real broker)",
  // add your broker's options here, say url: z.string().min(1), and pass them to the class
  configSchema: z.strictObject({}),
  create: () => new AcmeQueue(),
  // optional, for `ferry config check --connect`: reach the broker without changing it
  // check: async (options) => { … },
});
