/** How a dialect writes what a WriteGroup gathered */
export interface GroupWriter<T> {
  /**
   * The items in ONE transaction (one statement or one text, one commit), resolving to each
   * item's outcome in order: undefined when written, else the error that item alone gets (a
   * version conflict, an id taken). Rejects when the whole write failed.
   */
  writeMany(items: readonly T[]): Promise<ReadonlyArray<unknown>>;
  /** one item alone, as without a group (a group of one, and each item of a group that failed) */
  writeOne(item: T): Promise<void>;
  /**
   * Whether the items of a group that failed as a whole are each written again alone: yes for
   * what one item's row may have caused (a value refused, a deadlock), so that one fails alone
   * and its neighbours are written; no when the database is out of reach (each would fail too).
   */
  retryAlone(error: unknown): boolean;
}

interface Waiting<T> {
  key: string;
  item: T;
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Group commit for a server database (PostgreSQL, MariaDB), as SQLite's SaveGroup is for its
 * file: writes asked for in the same turn of the event loop — several executions' events, several
 * requests — go to the database as one transaction at the turn's end, so one round trip and one
 * commit (one WAL / redo log flush) where each was its own. While `maxInFlight` groups are being
 * written, later writes gather for the next one, so a busy database gets fewer, larger commits.
 * A caller's promise settles once the transaction holding its write is committed, never before,
 * and with its own outcome: a version conflict fails that write alone.
 *
 * Writes of one key (an execution's id) never share a group, so a statement never touches a row
 * twice; the executor writes one execution's saves one at a time anyway.
 */
export class WriteGroup<T> {
  private waiting: Array<Waiting<T>> = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly writer: GroupWriter<T>,
    private readonly limits: { maxInFlight: number; maxItems: number },
  ) {}

  write(key: string, item: T): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.waiting.push({ key, item, done, failed });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.limits.maxInFlight || !this.waiting.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.limits.maxInFlight && this.waiting.length) {
      const group = this.take();
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  /** the next group: waiting writes in order, one per key, at most maxItems */
  private take(): Array<Waiting<T>> {
    const keys = new Set<string>();
    const group: Array<Waiting<T>> = [];
    const rest: Array<Waiting<T>> = [];
    for (const w of this.waiting) {
      if (group.length < this.limits.maxItems && !keys.has(w.key)) {
        keys.add(w.key);
        group.push(w);
      } else rest.push(w);
    }
    this.waiting = rest;
    return group;
  }

  private async run(group: Array<Waiting<T>>): Promise<void> {
    if (group.length === 1) return this.alone(group[0]!);
    let outcomes: ReadonlyArray<unknown>;
    try {
      outcomes = await this.writer.writeMany(group.map((w) => w.item));
    } catch (error) {
      if (this.writer.retryAlone(error)) await Promise.all(group.map((w) => this.alone(w)));
      else for (const w of group) w.failed(error);
      return;
    }
    group.forEach((w, i) => (outcomes[i] === undefined ? w.done() : w.failed(outcomes[i])));
  }

  private alone(w: Waiting<T>): Promise<void> {
    return this.writer.writeOne(w.item).then(w.done, w.failed);
  }
}
