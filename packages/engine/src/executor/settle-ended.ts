import { isTerminal, type Queue, type TaskRunRecord } from "@ferry/sdk";
import { jobId } from "../messages.js";
import type { ExecutionState } from "./execution-state.js";

/** the ids of the jobs of attempts that ended in this event are forgotten by the queue (its send-once marks) */
export async function settleEnded(state: ExecutionState, queue: Queue, channelOf: (run: TaskRunRecord) => string): Promise<void> {
  if (!queue.settle) return;
  const ended = new Map<string, string[]>();
  for (const run of state.dirty) {
    run.attempts.forEach((attempt, index) => {
      if (!isTerminal(attempt.state.current)) return;
      const channel = channelOf(run);
      ended.set(channel, [...(ended.get(channel) ?? []), jobId(run.id, index)]);
    });
  }
  for (const [channel, ids] of ended) await queue.settle(channel, ids);
}
