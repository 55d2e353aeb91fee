import type { HotWriteLatency } from "@ferry/sdk";

/** a hot-path write this slow while a purge batch ran is one the purge got in the way of: half the 100 ms a live write may wait (issue #18.4) */
export const SLOW_FLOOR_MS = 50;
/** …or this many times the hot path's median before the purge began, on a server whose writes are slower than that anyway */
const SLOW_FACTOR = 3;
/** at most this many pauses after one batch: a purge always moves on, at a fifth of its speed at worst */
const MAX_PAUSES = 4;
/** the least a pause lasts (a batch that took no time still gives the disk this long) */
const MIN_PAUSE_MS = 20;
/** the most a pause lasts: a batch that took 30 s on a cold buffer pool paused 2 minutes, and a server's stop waits for the purge */
const MAX_PAUSE_MS = 1000;
/** what the hot path did before the purge began: its typical write */
const BASELINE_MS = 10_000;

export interface PurgePaceOptions {
  /** executions per batch while the hot path is unhurt, and the most a batch grows back to */
  batch: number;
  /** the fewest per batch while the hot path is slow */
  minBatch?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * A purge that yields to the hot path. After each batch it asks the repository how this
 * process's hot-path writes fared while the batch ran (ExecutionRepository.hotWriteLatency);
 * when one took longer than the slow mark (SLOW_FLOOR_MS, or SLOW_FACTOR × the median write
 * before the purge began), or one is still waiting that long, it halves the next batch and
 * pauses for as long as the batch took (MIN_PAUSE_MS to MAX_PAUSE_MS), again while writes during
 * the pause stay slow (at most MAX_PAUSES times); batches grow back, doubling, while writes are fast. What it yields to is
 * I/O, not locks: on MariaDB with a buffer pool far smaller than the history, the hot path's
 * commits queued behind the purge's page reads and writes, none waiting on a row lock (BENCHMARKS,
 * History at scale, Round 4); a pause lets that queue drain. It sees this process's writes
 * only: in distributed mode, those of the scheduler that purges (retention, the API's purge). A
 * worker running a PurgeExecutions task makes no hot-path writes, so that purge is not paced.
 */
export class PurgePace {
  /** executions to take in the next batch */
  batch: number;
  private readonly minBatch: number;
  private readonly slowMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly latency: ((since: number) => HotWriteLatency) | undefined,
    private readonly options: PurgePaceOptions,
  ) {
    this.batch = options.batch;
    this.minBatch = Math.min(options.minBatch ?? 25, options.batch);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? (() => performance.now());
    const before = latency?.(this.now() - BASELINE_MS).ended ?? [];
    this.slowMs = Math.max(SLOW_FLOOR_MS, SLOW_FACTOR * median(before));
  }

  /** a batch begins: the time to give after() */
  begin(): number {
    return this.now();
  }

  /** after a batch that began at `started` (begin()): pauses while the hot path is slow, and sizes the next batch */
  async after(started: number): Promise<void> {
    if (!this.latency) return;
    const took = this.now() - started;
    if (!this.slowSince(started)) {
      this.batch = Math.min(this.options.batch, this.batch * 2);
      return;
    }
    this.batch = Math.max(this.minBatch, Math.floor(this.batch / 2));
    for (let pauses = 0; pauses < MAX_PAUSES; pauses++) {
      const paused = this.now();
      await this.sleep(Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, took)));
      if (!this.slowSince(paused)) return;
    }
  }

  private slowSince(since: number): boolean {
    const { ended, waitingMs } = this.latency!(since);
    return waitingMs > this.slowMs || ended.some((ms) => ms > this.slowMs);
  }
}

function median(values: number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
