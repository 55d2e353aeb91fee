import { defineBackend, z } from "@ferry/sdk";
import { AcmeStorage } from "./memory.storage.js";

export { AcmeStorage };

/**
 * What `storage: { type: ./ferry-plugin-acme, maxBytes: … }` (or the npm name) loads. The
 * schema sees the section without `type`; keep it strict, so that a misspelt key stops the
 * server naming it instead of being ignored.
 */
export default defineBackend({
  kind: "storage",
  type: "acme",
  description: "objects in this process's memory (a starting point for a real object store)",
  configSchema: z.strictObject({
    /** the most bytes held at once */
    maxBytes: z.number().int().positive().optional(),
  }),
  create: (options) => new AcmeStorage(options.maxBytes),
  // optional, for `ferry config check --connect`: reach the service without changing it
  // check: async (options, ctx) => { … },
});
