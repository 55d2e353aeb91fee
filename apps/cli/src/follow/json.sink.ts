import type { FollowSink } from "./follow-execution.js";
import { printJsonLine } from "../output/terminal.js";

/** one JSON object per event on stdout (`--json`, or stdout not a terminal); notices on stderr */
export function jsonSink(): FollowSink {
  return {
    event: (event) => printJsonLine(event),
    snapshot: () => undefined,
    notice: (text) => process.stderr.write(`ferry: ${text}\n`),
    close: () => undefined,
  };
}
