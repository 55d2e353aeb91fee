import { isTerminal, type Queue, type Repository } from "@ferry/sdk";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "../messages.js";
import type { WorkerDirectory } from "../worker-directory.js";

/** executions a pass reads at once (within a repository pool's usual size) */
const READ_AHEAD = 8;

export interface ReconcilerOptions {
  repository: Repository;
  queue: Queue;
  workers: WorkerDirectory;
  /** how often to look */
  everyMs: number;
  /** how long work may sit unclaimed, or an execution unchanged, before it counts as lost */
  staleAfterMs: number;
  /** how often to ask the queue whether it lost its messages (its epoch) */
  epochEveryMs?: number;
  /** how often workers announce what they run: after a loss, one round is awaited before judging */
  announceEveryMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The repository is the system of record (DESIGN.md principle 2): when the queue loses
 * messages (Redis restarted without persistence, FLUSHALL), this finds the work nobody is
 * doing — attempts queued or running on no live worker, retries whose timer was lost,
 * executions that stopped moving — and asks the executor to start it again. The executor
 * re-checks everything under its lock, so stale or duplicate asks are harmless.
 *
 * Two ways to notice: the queue's epoch changed (it says it lost its messages: checked every
 * second, so lost work moves again within seconds), or work looks stale (nothing changed for
 * `staleAfter`, the net for losses the queue cannot see).
 */
export class Reconciler {
  private timer?: ReturnType<typeof setInterval>;
  private epochTimer?: ReturnType<typeof setInterval>;
  private busy = false;
  private stopped = false;
  private epoch?: string;

  constructor(private readonly options: ReconcilerOptions) {}

  async start(): Promise<void> {
    const { queue, everyMs, epochEveryMs = 1000, onError } = this.options;
    this.timer = setInterval(() => void this.pass().catch((e) => onError?.(e)), everyMs);
    // a scheduler that died between a database commit and its sends left work nobody will
    // send: catch up at start as after a loss (re-sends are idempotent, so nothing runs twice)
    void this.afterLoss(Date.now()).catch((e) => onError?.(e));
    if (!queue.epoch) return;
    this.epoch = await queue.epoch().catch(() => undefined);
    this.epochTimer = setInterval(() => void this.checkEpoch().catch((e) => onError?.(e)), epochEveryMs);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.epochTimer);
  }

  /** a changed epoch: whatever was in flight before now was lost with the queue */
  private async checkEpoch(): Promise<void> {
    const current = await this.options.queue.epoch!();
    if (this.epoch === current) return;
    this.epoch = current;
    await this.afterLoss(Date.now());
  }

  private async afterLoss(lostAt: number): Promise<void> {
    // workers still running what they took before the loss say so in their next announcement:
    // wait for that round, so no live attempt is taken for lost
    await new Promise((r) => setTimeout(r, (this.options.announceEveryMs ?? 2000) + 500));
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
    await this.pass(lostAt);
  }

  /**
   * Asks the executor to re-send lost work. With `lostAt`, the queue lost its messages then:
   * every attempt last changed before it and held by no live worker is lost, at once.
   */
  async pass(lostAt?: number): Promise<number> {
    if (this.busy || this.stopped) return 0;
    this.busy = true;
    try {
      const { repository, queue, workers, staleAfterMs } = this.options;
      const now = Date.now();
      const lost = (since: number) => (lostAt !== undefined ? since < lostAt : now - since >= staleAfterMs);
      const running = new Set(workers.list().flatMap((w) => w.running.map((r) => r.taskRunId)));
      let asked = 0;
      // slots whose release was lost (a crash after the save) free up; admissions lost with the queue are asked again
      for (const id of (await repository.repairConcurrencySlots()).admissible) {
        await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "admit", executionId: id }, { key: id });
        asked++;
      }
      const ids = await repository.listUnfinishedExecutionIds();
      // a few reads at a time: one by one, a pass over 500 executions on a busy PostgreSQL took
      // ~30 s, and lost work waited that long to move again
      for (let i = 0; i < ids.length; i += READ_AHEAD) {
        const batch = await Promise.all(ids.slice(i, i + READ_AHEAD).map((id) => repository.getExecution(id)));
        for (const found of batch) {
          // waiting for a concurrency slot is not being stuck: the repair above moves the line
          if (!found || found.execution.state.current === "QUEUED") continue;
          const id = found.execution.id;
          const runs: Array<{ taskRunId: string; attempt: number }> = [];
          for (const run of found.taskRuns) {
            // a flowable with attempts is a WorkingDirectory, on a worker like a runnable task
            if (isTerminal(run.state.current) || (run.planUri && !run.attempts.length) || run.subflowExecutionId || running.has(run.id)) continue;
            if (!lost(Date.parse(run.state.histories[run.state.histories.length - 1].date))) continue;
            const s = run.state.current;
            if (s === "QUEUED" || s === "RUNNING") runs.push({ taskRunId: run.id, attempt: run.attempts.length - 1 });
            else if (s === "RETRYING") runs.push({ taskRunId: run.id, attempt: run.attempts.length });
          }
          let event: ExecutorEvent | undefined;
          if (runs.length) event = { type: "stale", executionId: id, runs };
          else if (lost(Date.parse(found.execution.updated))) event = { type: "reconcile-walk", executionId: id };
          if (event) {
            await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, event, { key: id });
            asked++;
          }
        }
      }
      return asked;
    } finally {
      this.busy = false;
    }
  }
}
