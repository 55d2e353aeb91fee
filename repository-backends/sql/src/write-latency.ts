import type { HotWriteLatency } from "@ferry/sdk";

/** writes remembered: at a few hundred writes a second, the last second or two */
const REMEMBERED = 512;

/**
 * The durations of a repository's hot-path writes, for ExecutionRepository.hotWriteLatency:
 * the purge pauses between its batches while these slow down. A ring of the latest writes'
 * ends and durations, and the start of each write still running (a write stalled behind the
 * purge's I/O shows as waiting before it ends). Two clock reads and a map entry per write.
 */
export class WriteLatency {
  private readonly ends = new Float64Array(REMEMBERED);
  private readonly durations = new Float64Array(REMEMBERED);
  private written = 0;
  private readonly running = new Map<number, number>();
  private nextToken = 0;

  async time<T>(write: () => Promise<T>): Promise<T> {
    const token = this.nextToken++;
    const started = performance.now();
    this.running.set(token, started);
    try {
      return await write();
    } finally {
      this.running.delete(token);
      const ended = performance.now();
      const slot = this.written++ % REMEMBERED;
      this.ends[slot] = ended;
      this.durations[slot] = ended - started;
    }
  }

  since(since: number): HotWriteLatency {
    const ended: number[] = [];
    for (let i = 0; i < Math.min(this.written, REMEMBERED); i++) if (this.ends[i] > since) ended.push(this.durations[i]);
    let oldest = Infinity;
    for (const started of this.running.values()) oldest = Math.min(oldest, started);
    return { ended, waitingMs: oldest === Infinity ? 0 : performance.now() - oldest };
  }
}
