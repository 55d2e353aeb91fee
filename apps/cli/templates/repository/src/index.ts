import { defineBackend, z } from "@ferry/sdk";
import { AcmeRepository } from "./memory.repository.js";

export { AcmeRepository };

/**
 * What `repository: { type: ./ferry-plugin-acme }` (or the npm name) loads. The schema sees the
 * section without `type`; keep it strict, so that a misspelt key stops the server naming it.
 */
export default defineBackend({
  kind: "repository",
  type: "acme",
  description: "flows, executions and logs in this process's memory (a starting point for a real database)",
  // add your database's options here, say url: z.string().min(1), and pass them to the class
  configSchema: z.strictObject({}),
  create: () => new AcmeRepository(),
  // optional, for `ferry config check --connect`: reach the database without changing it
  // check: async (options) => { … },
});
