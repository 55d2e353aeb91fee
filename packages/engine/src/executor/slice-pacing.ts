import type { Queue } from "@ferry/sdk";
import { EXECUTOR_CHANNEL, jobsChannel, type ExecutorEvent, type WorkerJob } from "../messages.js";
import type { ExecutionState } from "./execution-state.js";

/**
 * A flowable's slices of new task runs (creation-slice.ts) paced by what still waits: while this
 * many messages wait or run in the channels its slices' jobs went to and in the executor's own
 * (the results not yet folded), the next slice is held. A ForEach with no concurrency limit over
 * 100,000 values made every slice within a few events of its start, since any result's walk
 * starts the next: the queue then held ~100,000 jobs and their results waited behind them, the
 * steady state that set the server's peak RSS once the creation event no longer did (issue
 * #18.1, BENCHMARKS.md Round 8). Held, the backlog stays under this bound and one slice.
 *
 * Limit 0 keeps its meaning: every value may start, none waits for another to end; only when its
 * run is created and its job queued is paced, by how many jobs wait for a worker — those a
 * worker runs, and runs that wait elsewhere (a Pause, a Subflow's child), hold nothing back
 * but the few the worker's concurrency takes. What counts is the whole channel, not this
 * execution's share: a backlog of any execution's jobs is memory all the same.
 */
let backlogBound = 20_000;

export function sliceBacklogBound(): number {
  return backlogBound;
}

/** sets the bound (a test's, to see it on a small ForEach); answers the one before */
export function setSliceBacklogBound(count: number): number {
  const before = backlogBound;
  backlogBound = count;
  return before;
}

/**
 * How soon a held execution looks at the backlog again when nothing else brings it an event
 * (its own results do, as long as it has runs in flight; the backlog may be other executions'):
 * it sends itself a `continue`, which is one cheap event when the backlog is still full.
 */
const PACE_MS = 50;

/** the executor's side of the pacing: the slice budget before a walk, the next `continue` after a save */
export class SlicePacer {
  /** at most one pending look per execution, dropped once it fires: bounded by the executions held */
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private stopped = false;

  constructor(
    private readonly queue: Queue,
    private readonly onError?: (error: unknown) => void,
  ) {}

  /**
   * Before the walk of an execution left with branches to start (`pacedBy`, kept with what was
   * last saved): no slice while the backlog is at its bound. One read of the depth per channel;
   * an execution read from the repository (a reconcile, a restart) has none and gets its slice.
   */
  async budget(state: ExecutionState, pacedBy: string[] | undefined): Promise<void> {
    state.pacedBy = pacedBy;
    const { queue } = this;
    if (!pacedBy?.length || !queue.depth) return;
    let waiting = await queue.depth(EXECUTOR_CHANNEL);
    for (const channel of pacedBy) waiting += await queue.depth(channel);
    if (waiting >= backlogBound) state.sliceBudget = 0;
  }

  /** a state that left branches to start (`moreToStart`): the channels its slices' jobs went to, kept with it for the next events */
  remember(state: ExecutionState, jobs: readonly WorkerJob[]): void {
    const channels = new Set(state.pacedBy);
    for (const job of jobs) channels.add(jobsChannel(job.task.workerGroup?.key ?? "default"));
    state.pacedBy = [...channels];
  }

  /**
   * After the save of a state that left branches to start: the next `continue` goes now — or,
   * when this event was held (no budget), later, once. A continue lost (the process died) is
   * the reconcile's to make again: it walks the execution and starts what is left.
   */
  async next(state: ExecutionState): Promise<void> {
    const id = state.execution.id;
    if (state.sliceBudget > 0) return this.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "continue", executionId: id }, { key: id });
    if (this.timers.has(id) || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      if (this.stopped) return;
      this.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "continue", executionId: id }, { key: id }).catch((error) => this.onError?.(error));
    }, PACE_MS);
    this.timers.set(id, timer);
  }

  /** executions waiting for their next look at the backlog */
  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
