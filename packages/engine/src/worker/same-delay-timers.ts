/**
 * Callbacks that all wait the same delay, on one Node timer. Every attempt armed two timers
 * (the task logger's flush, the report's "started") and cleared both a few hundred µs later:
 * with a ForEach run one value at a time that was a timer made and dropped twice per task run,
 * ~1.5 % of the server's busy time (BENCHMARKS.md "Round 11"). With one delay for all, the
 * order callbacks are added is the order they are due: a FIFO, and one timer for its head.
 * A callback runs no earlier than `delayMs` after it was added, as with setTimeout.
 */
export class SameDelayTimers {
  /** what waits, in the order added (= the order due), with when it is due */
  private readonly waiting = new Map<object, { due: number; run: () => void }>();
  private timer?: ReturnType<typeof setTimeout>;
  /** whether the timer holds the process open (only while something waits) */
  private referenced = false;

  constructor(
    private readonly delayMs: number,
    /** Date.now: the clock tests' fake timers move (a wall clock stepped back is handled in fire) */
    private readonly now: () => number = Date.now,
  ) {}

  /** runs `run` after the delay unless cleared first; `key` names it for `clear` (one wait per key: added again, it waits anew) */
  add(key: object, run: () => void): void {
    this.waiting.delete(key);
    const due = this.now() + this.delayMs;
    this.waiting.set(key, { due, run });
    if (this.timer === undefined) this.arm(due);
    else if (!this.referenced) {
      this.timer.ref();
      this.referenced = true;
    }
  }

  clear(key: object): void {
    this.waiting.delete(key);
    // Left to fire (a wakeup that finds nothing) rather than cleared: run one at a time, every
    // task run empties the queue, and a timer cleared and made again per run is the cost saved.
    // Unreferenced meanwhile, so that a process with nothing else to do may exit.
    if (this.waiting.size === 0 && this.timer !== undefined && this.referenced) {
      this.timer.unref();
      this.referenced = false;
    }
  }

  get size(): number {
    return this.waiting.size;
  }

  private arm(due: number): void {
    this.timer = setTimeout(() => this.fire(), Math.min(this.delayMs, Math.max(0, due - this.now())));
    this.referenced = true;
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.now();
    for (const [key, entry] of this.waiting) {
      // a timer may fire a little early by this clock: what is not due yet waits for the next
      // (unless due further off than the delay: the wall clock was stepped back, and it runs now)
      if (entry.due > now && entry.due - now <= this.delayMs) break;
      this.waiting.delete(key);
      entry.run();
    }
    const head = this.waiting.values().next();
    if (!head.done && this.timer === undefined) this.arm(head.value.due);
  }
}
