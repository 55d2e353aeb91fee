import { defineBackend, z } from "@ferry/sdk";
import { AcmeHistoryStore } from "./memory.history.js";

export { AcmeHistoryStore };

/**
 * What `history: { type: ./ferry-plugin-acme }` (or the npm name) loads: the server's exporter
 * then feeds it ended executions, their log lines and metrics, and the API searches them here.
 * The schema sees the section without `type` (and without Ferry's own `primaryRetention` and
 * `exportLease`); keep it strict, so that a misspelt key stops the server naming it.
 */
export default defineBackend({
  kind: "history",
  type: "acme",
  description: "ended executions, log lines and metrics in this process's memory (a starting point for a real search store)",
  // add your store's options here, say url: z.string().min(1), and pass them to the class
  configSchema: z.strictObject({
    /** executions kept at most; past it the oldest go, with their lines and metrics */
    maxExecutions: z.coerce.number().int().min(1).default(100_000),
  }),
  create: ({ maxExecutions }) => new AcmeHistoryStore(maxExecutions),
  // optional, for `ferry config check --connect`: reach the store without changing it
  // check: async (options) => { … },
});
