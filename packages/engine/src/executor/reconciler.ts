import { isTerminal, type ExecutionRecord, type Queue, type Repository, type TaskRunRecord, type UnfinishedExecution } from "@ferry/sdk";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "../messages.js";
import type { WorkerDirectory } from "../worker-directory.js";
import { newExecutionRetries, retryDueAt } from "./retry-wait.js";

/** executions a pass reads at once (within a repository pool's usual size) */
const READ_AHEAD = 8;

/** what the last read of an unfinished execution showed */
interface Seen {
  /** its last save then */
  updated: string;
  readAt: number;
  /** when, unless it changes, a run in it (or the execution itself) may count as lost: it is read again then */
  recheckAt: number;
  /** runs live workers held then: once a worker lets go of one, the execution is read again */
  held: string[];
  /** a reconcile-walk was asked at this version: not again until it changes (or the queue loses its messages) */
  walked: boolean;
}

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
  private readonly seen = new Map<string, Seen>();
  /** RETRIED executions whose new execution's timer this reconciler armed again */
  private readonly followed = new Set<string>();

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
   * every attempt last changed before it and held by no live worker is lost, at once, and
   * every execution is read. Otherwise an execution is read only when something in it may
   * have gone stale since the last read (`Seen`), so a pass over 10,000 executions in flight
   * costs one listing query and the few reads that can find something.
   */
  async pass(lostAt?: number): Promise<number> {
    if (this.busy || this.stopped) return 0;
    this.busy = true;
    try {
      const { repository, queue, workers } = this.options;
      const now = Date.now();
      const running = new Set(workers.list().flatMap((w) => w.running.map((r) => r.taskRunId)));
      let asked = 0;
      // slots whose release was lost (a crash after the save) free up; admissions lost with the queue are asked again
      for (const id of (await repository.repairConcurrencySlots()).admissible) {
        await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "admit", executionId: id }, { key: id });
        asked++;
      }
      asked += await this.followUpNewExecutionRetries(lostAt !== undefined);
      const listed = await repository.listUnfinishedExecutions();
      this.forgetEnded(listed);
      // waiting for a concurrency slot is not being stuck: the repair above moves the line
      const toRead = listed.filter((e) => e.state !== "QUEUED" && (lostAt !== undefined || this.worthReading(e, now, running)));
      // a few reads at a time: one by one, a pass over 500 executions on a busy PostgreSQL took
      // ~30 s, and lost work waited that long to move again
      for (let i = 0; i < toRead.length; i += READ_AHEAD) {
        const batch = await Promise.all(toRead.slice(i, i + READ_AHEAD).map((e) => repository.getExecution(e.id)));
        for (const found of batch) {
          if (!found || isTerminal(found.execution.state.current)) continue;
          const event = this.judge(found.execution, found.taskRuns, now, running, lostAt);
          if (event) {
            await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, event, { key: found.execution.id });
            asked++;
          }
        }
      }
      return asked;
    } finally {
      this.busy = false;
    }
  }

  /** an execution read before is read again once a run in it may have gone stale, or a worker let go of one */
  private worthReading(listed: UnfinishedExecution, now: number, running: Set<string>): boolean {
    const seen = this.seen.get(listed.id);
    if (!seen) return true;
    if (seen.held.some((id) => !running.has(id))) return true;
    // a run that started or changed after the read cannot be lost before `staleAfter` from the read
    const due = seen.updated === listed.updated ? seen.recheckAt : Math.min(seen.recheckAt, seen.readAt + this.options.staleAfterMs);
    return now >= due;
  }

  /** what to ask of one execution just read, if anything; remembers what it showed */
  private judge(execution: ExecutionRecord, taskRuns: TaskRunRecord[], now: number, running: Set<string>, lostAt?: number): ExecutorEvent | undefined {
    const { staleAfterMs } = this.options;
    const id = execution.id;
    const previous = this.seen.get(id);
    const seen: Seen = { updated: execution.updated, readAt: now, recheckAt: Infinity, held: [], walked: lostAt === undefined && previous?.updated === execution.updated && previous.walked };
    this.seen.set(id, seen);
    // a run counts as lost once `staleAfter` passed since it last changed (a RETRYING run: since its next attempt was
    // due, so a long retry interval is not a loss), or at once after a queue loss if it last changed before the loss
    const lost = (since: number, staleFrom: number) => (lostAt !== undefined ? since < lostAt : now >= staleFrom);
    const runs: Array<{ taskRunId: string; attempt: number }> = [];
    for (const run of taskRuns) {
      if (isTerminal(run.state.current) || run.planUri || run.subflowExecutionId) continue;
      if (running.has(run.id)) {
        seen.held.push(run.id);
        continue;
      }
      const s = run.state.current;
      if (s !== "QUEUED" && s !== "RUNNING" && s !== "RETRYING") continue;
      const since = Date.parse(run.state.histories[run.state.histories.length - 1].date);
      const staleFrom = (s === "RETRYING" ? Math.max(since, retryDueAt(run)) : since) + staleAfterMs;
      if (lost(since, staleFrom)) runs.push({ taskRunId: run.id, attempt: s === "RETRYING" ? run.attempts.length : run.attempts.length - 1 });
      else seen.recheckAt = Math.min(seen.recheckAt, staleFrom);
    }
    if (runs.length) {
      // asked: the executor re-sends them and saves, or they are looked at again after `staleAfter`
      seen.recheckAt = now + staleAfterMs;
      return { type: "stale", executionId: id, runs };
    }
    // an execution that stopped moving is walked once per version: a lost wake-up of a pause is armed again
    if (seen.walked) return undefined;
    const updated = Date.parse(execution.updated);
    if (!lost(updated, updated + staleAfterMs)) {
      seen.recheckAt = Math.min(seen.recheckAt, updated + staleAfterMs);
      return undefined;
    }
    seen.walked = true;
    return { type: "reconcile-walk", executionId: id };
  }

  /**
   * Executions ended RETRIED whose new execution is still to come: their timer is armed again
   * once per reconciler (and again after a queue loss); the executor makes the new execution once.
   */
  private async followUpNewExecutionRetries(lost: boolean): Promise<number> {
    if (lost) this.followed.clear();
    const pending = await newExecutionRetries(this.options.repository);
    const current = new Set(pending.map((p) => p.executionId));
    for (const id of this.followed) if (!current.has(id)) this.followed.delete(id);
    let asked = 0;
    for (const { executionId, delayMs } of pending) {
      if (this.followed.has(executionId)) continue;
      this.followed.add(executionId);
      await this.options.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "retry-execution", executionId }, { key: executionId, delayMs });
      asked++;
    }
    return asked;
  }

  /** executions that ended or went are forgotten */
  private forgetEnded(listed: UnfinishedExecution[]): void {
    if (this.seen.size === 0) return;
    const live = new Set(listed.map((e) => e.id));
    for (const id of this.seen.keys()) if (!live.has(id)) this.seen.delete(id);
  }
}
