import { defineBackend, HistoryNotConfiguredError, type HistoryStore } from "@ferry/sdk";
import { z } from "zod";

const refuse = (what: string) => Promise.reject(new HistoryNotConfiguredError(what));

/**
 * No history store (Camunda without secondary storage): executions run, the API answers
 * running executions from the primary, and every history query is refused plainly
 * (HistoryNotConfiguredError, HTTP 501) rather than answered empty, which would read as
 * "nothing happened". The exporter does not run: there is nothing to feed.
 */
export class NoHistoryStore implements HistoryStore {
  readonly source = "none" as const;
  write: HistoryStore["write"] = () => refuse("exporting history");
  position: HistoryStore["position"] = () => refuse("reading the export position");
  beginRebuild: HistoryStore["beginRebuild"] = () => refuse("rebuilding history");
  finishRebuild: HistoryStore["finishRebuild"] = () => refuse("rebuilding history");
  rebuilding: HistoryStore["rebuilding"] = () => refuse("rebuilding history");
  /** nothing to reach: a store that is not there is never out of reach */
  ping = async () => undefined;
  searchExecutions: HistoryStore["searchExecutions"] = () => refuse("searching executions");
  getExecution: HistoryStore["getExecution"] = () => refuse("reading an ended execution");
  findLogs: HistoryStore["findLogs"] = () => refuse("reading logs");
  searchLogs: HistoryStore["searchLogs"] = () => refuse("searching logs");
  findMetrics: HistoryStore["findMetrics"] = () => refuse("reading metrics");
  countStates: HistoryStore["countStates"] = () => refuse("counting executions");
}

export const noHistoryBackend = defineBackend({
  kind: "history",
  type: "none",
  description: "no history store: live executions only; history queries answer 501 'not configured'",
  configSchema: z.strictObject({}),
  create: () => new NoHistoryStore(),
});
