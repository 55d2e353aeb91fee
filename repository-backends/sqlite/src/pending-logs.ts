import type { LogEntry } from "@ferry/sdk";

interface Waiting {
  entries: LogEntry[];
  done: () => void;
  failed: (error: unknown) => void;
}

/** log lines taken to be written: `done` once they are committed, `requeue` when their transaction rolled back */
export interface LogBatch {
  entries: LogEntry[];
  done(): void;
  failed(error: unknown): void;
  requeue(): void;
}

/**
 * Log lines waiting for a write transaction. A task's lines arrive just before its result, and
 * the executor's save of that result follows within the same turn of the event loop: written
 * with that save, a task run costs one write transaction instead of two (the log writer's group
 * commit has nothing to group when tasks end one at a time). Lines no save takes by the next
 * turn are written on their own then (`flush`). `appendLogs` resolves once its lines are
 * committed either way, so they are stored before anything that waited for them.
 */
export class PendingLogs {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly flush: () => void) {}

  add(entries: LogEntry[]): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.waiting.push({ entries, done, failed });
      this.schedule();
    });
  }

  get size(): number {
    return this.waiting.length;
  }

  /** every line waiting, to be written in the caller's transaction */
  take(): LogBatch {
    const taken = this.waiting;
    this.waiting = [];
    return {
      entries: taken.length === 1 ? taken[0].entries : taken.flatMap((w) => w.entries),
      done: () => taken.forEach((w) => w.done()),
      failed: (error) => taken.forEach((w) => w.failed(error)),
      requeue: () => {
        if (!taken.length) return;
        this.waiting.unshift(...taken);
        this.schedule();
      },
    };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.waiting.length) this.flush();
    });
  }
}
