/**
 * Follows a table numbered by a global sequence (logs.seq, metrics.seq) whose numbers may
 * commit out of order: a transaction holding seq 41 can commit after the one holding 42. So
 * the position that is safe to store is the end of the contiguous prefix seen; a hole above
 * it is waited for, and only once it stays empty for `gapTimeoutMs` (a rolled-back insert, a
 * purged row) is it taken as never coming. Rows past a hole are exported at once and again
 * on later reads — the history store ignores rows it holds — so a hole delays only the
 * stored position, never the rows. The bound: a row whose commit comes more than
 * `gapTimeoutMs` after a higher seq committed is exported only by a rebuild.
 */
export class SeqFollower {
  /** every seq at or below it was exported (or given up on) */
  private safe: number;
  /** first time each hole (by its first missing seq) was seen */
  private readonly holes = new Map<number, number>();

  constructor(start: number, private readonly gapTimeoutMs: number, private readonly now: () => number = Date.now) {
    this.safe = start;
  }

  get position(): number {
    return this.safe;
  }

  /** where the next read starts (exclusive) */
  get readAfter(): number {
    return this.safe;
  }

  /** the seqs just read after `readAfter`, ascending; moves the safe position over what is contiguous */
  advance(seqs: number[]): void {
    const now = this.now();
    let expected = this.safe + 1;
    let safe = this.safe;
    let blocked = false;
    const seen = new Set<number>();
    for (const seq of seqs) {
      if (seq < expected) continue;
      if (seq > expected) {
        seen.add(expected);
        const first = this.holes.get(expected) ?? now;
        this.holes.set(expected, first);
        if (now - first < this.gapTimeoutMs) blocked = true;
      }
      if (!blocked) safe = seq;
      expected = seq + 1;
    }
    this.safe = safe;
    for (const start of this.holes.keys()) if (start <= safe || !seen.has(start)) this.holes.delete(start);
  }

  /** holes still waited for: a stored position behind what was read */
  get waiting(): number {
    return this.holes.size;
  }
}
