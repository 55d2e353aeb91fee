import { isEnded, runName, type ExecutionJson, type LogJson } from "../client/api-types.js";

/**
 * What following an execution reports, one object per event: the shape of each line of
 * `--json` (and of a piped `execute --wait`). Dates are the server's.
 */
export type FollowEvent =
  | { event: "execution"; id: string; namespace: string; flowId: string; state: string; date: string }
  | {
      event: "taskrun";
      executionId: string;
      id: string;
      taskId: string;
      value: string | null;
      parentTaskRunId: string | null;
      state: string;
      date: string;
      /** 1-based, for task runs a worker runs (flowable ones have none) */
      attempt?: number;
      /** from the task run's creation to this end state, once it ended */
      durationMs?: number;
    }
  | ({ event: "log" } & LogJson)
  | { event: "end"; id: string; state: string; durationMs?: number; outputs: unknown };

const ms = (from: string | undefined, to: string) => (from ? Math.max(0, Date.parse(to) - Date.parse(from)) : undefined);

/**
 * Turns successive snapshots of an execution (what `/executions/{id}/follow` sends) into
 * events: every state change of the execution and of each task run, from their state
 * histories, so a change that happened between two snapshots (a task that started and
 * ended within one) is still reported, in order, once.
 */
export class ExecutionDiff {
  private executionSeen = 0;
  private readonly runsSeen = new Map<string, number>();

  next(execution: ExecutionJson): FollowEvent[] {
    const events: FollowEvent[] = [];
    const { histories } = execution.state;
    for (const h of histories.slice(this.executionSeen)) {
      events.push({ event: "execution", id: execution.id, namespace: execution.namespace, flowId: execution.flowId, state: h.state, date: h.date });
    }
    this.executionSeen = Math.max(this.executionSeen, histories.length);
    for (const run of execution.taskRunList) {
      const seen = this.runsSeen.get(run.id) ?? 0;
      const runHistories = run.state.histories;
      runHistories.forEach((h, index) => {
        if (index < seen) return;
        // each dispatch to a worker queues a new attempt: the attempt of a state is the number of QUEUED before it
        const queued = runHistories.slice(0, index + 1).filter((x) => x.state === "QUEUED").length;
        events.push({
          event: "taskrun",
          executionId: execution.id,
          id: run.id,
          taskId: run.taskId,
          value: run.value,
          parentTaskRunId: run.parentTaskRunId,
          state: h.state,
          date: h.date,
          ...(run.attempts.length ? { attempt: Math.max(1, queued) } : {}),
          ...(isEnded(h.state) ? { durationMs: ms(runHistories[0]?.date, h.date) } : {}),
        });
      });
      this.runsSeen.set(run.id, Math.max(seen, runHistories.length));
    }
    // in the order they happened (a stable sort keeps each run's own order on equal dates)
    return events.sort((a, b) => Date.parse((a as { date: string }).date) - Date.parse((b as { date: string }).date));
  }
}

/** the event that closes a follow */
export function endEvent(execution: ExecutionJson): FollowEvent {
  const last = execution.state.histories.at(-1)?.date ?? execution.state.endDate;
  return { event: "end", id: execution.id, state: execution.state.current, durationMs: last ? ms(execution.state.histories[0]?.date, last) : undefined, outputs: execution.outputs ?? {} };
}

export { runName };
