import { isTerminal, type Queue, type Repository } from "@ferry/sdk";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "../messages.js";
import type { WorkerDirectory } from "../worker-directory.js";

export interface ReconcilerOptions {
  repository: Repository;
  queue: Queue;
  workers: WorkerDirectory;
  /** how often to look */
  everyMs: number;
  /** how long work may sit unclaimed, or an execution unchanged, before it counts as lost */
  staleAfterMs: number;
  onError?: (error: unknown) => void;
}

/**
 * The repository is the system of record (DESIGN.md principle 2): when the queue loses
 * messages (Redis restarted without persistence, FLUSHALL), this finds the work nobody is
 * doing — attempts queued or running on no live worker for too long, retries whose timer
 * was lost, executions that stopped moving — and asks the executor to start it again.
 * The executor re-checks everything under its lock, so stale or duplicate asks are harmless.
 */
export class Reconciler {
  private timer?: ReturnType<typeof setInterval>;
  private busy = false;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.pass().catch((e) => this.options.onError?.(e)), this.options.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async pass(): Promise<number> {
    if (this.busy) return 0;
    this.busy = true;
    try {
      const { repository, queue, workers, staleAfterMs } = this.options;
      const now = Date.now();
      const running = new Set(workers.list().flatMap((w) => w.running.map((r) => r.taskRunId)));
      let asked = 0;
      for (const id of await repository.listUnfinishedExecutionIds()) {
        const found = await repository.getExecution(id);
        if (!found) continue;
        const runs: Array<{ taskRunId: string; attempt: number }> = [];
        for (const run of found.taskRuns) {
          if (isTerminal(run.state.current) || run.planUri || run.subflowExecutionId || running.has(run.id)) continue;
          const since = Date.parse(run.state.histories[run.state.histories.length - 1].date);
          if (now - since < staleAfterMs) continue;
          const s = run.state.current;
          if (s === "QUEUED" || s === "RUNNING") runs.push({ taskRunId: run.id, attempt: run.attempts.length - 1 });
          else if (s === "RETRYING") runs.push({ taskRunId: run.id, attempt: run.attempts.length });
        }
        let event: ExecutorEvent | undefined;
        if (runs.length) event = { type: "stale", executionId: id, runs };
        else if (now - Date.parse(found.execution.updated) > staleAfterMs) event = { type: "reconcile-walk", executionId: id };
        if (event) {
          await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, event, { key: id });
          asked++;
        }
      }
      return asked;
    } finally {
      this.busy = false;
    }
  }
}
