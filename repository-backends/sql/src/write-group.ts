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
  /**
   * An item's size in bytes as its statement text carries it, for `maxBytes` (a dialect whose
   * server refuses a statement past a size: MariaDB's max_allowed_packet).
   */
  size?(item: T): number;
  /**
   * After a write failed with the database out of reach (not `retryAlone`), whether each item's
   * write landed nonetheless: a connection cut after the commit was sent loses its answer, not
   * its commit. Read from the rows themselves (each item's row as that write left it): true
   * written, false not, undefined when it cannot tell (the database still out of reach). Rejects
   * when it cannot read at all. `error` is the write's failure: the dialect finds in it the server
   * session the write was sent on, and ends that session for certain before it reads (a cut
   * session still waiting on a lock would otherwise commit after the read found nothing).
   */
  landed?(items: readonly T[], error: unknown): Promise<ReadonlyArray<boolean | undefined>>;
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
 * twice, and one waits until the group holding the key's earlier write settled (its retries
 * alone included): a key's writes reach the database in the order they were asked, as the
 * executor asks them one at a time anyway.
 */
export class WriteGroup<T> {
  private waiting: Array<Waiting<T>> = [];
  private scheduled = false;
  private inFlight = 0;
  /** the keys of the groups being written */
  private readonly writing = new Set<string>();
  /** resolves `drain()` once nothing waits and nothing is in flight */
  private idle: Array<() => void> = [];

  constructor(
    private readonly writer: GroupWriter<T>,
    private readonly limits: { maxInFlight: number; maxItems: number; maxBytes?: number; landedTries?: number; landedPauseMs?: number; landedTimeoutMs?: number },
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

  /** resolves once every write asked so far has settled (a repository's close waits for it before ending its pool) */
  drain(): Promise<void> {
    if (!this.waiting.length && this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    while (this.inFlight < this.limits.maxInFlight && this.waiting.length) {
      const group = this.take();
      // every waiting write's key is being written: the next group forms when one of those settles
      if (!group.length) break;
      this.inFlight++;
      for (const w of group) this.writing.add(w.key);
      void this.run(group).finally(() => {
        for (const w of group) this.writing.delete(w.key);
        this.inFlight--;
        this.schedule();
        if (!this.waiting.length && this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  /**
   * The next group: waiting writes in order, one per key and none of a key being written, at
   * most maxItems and maxBytes (a write larger than maxBytes alone makes a group of one).
   */
  private take(): Array<Waiting<T>> {
    const keys = new Set<string>();
    const group: Array<Waiting<T>> = [];
    const rest: Array<Waiting<T>> = [];
    const { maxItems, maxBytes } = this.limits;
    const size = maxBytes !== undefined ? this.writer.size : undefined;
    let bytes = 0;
    for (const w of this.waiting) {
      // a key met once stays in `keys`, taken or not: its later writes keep their order behind it
      let fits = group.length < maxItems && !keys.has(w.key) && !this.writing.has(w.key);
      if (fits && size) {
        const itemBytes = size.call(this.writer, w.item);
        fits = !group.length || bytes + itemBytes <= maxBytes!;
        if (fits) bytes += itemBytes;
      }
      if (fits) group.push(w);
      else rest.push(w);
      keys.add(w.key);
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
      else await this.outOfReach(group, error);
      return;
    }
    group.forEach((w, i) => (outcomes[i] === undefined ? w.done() : w.failed(outcomes[i])));
  }

  private async alone(w: Waiting<T>): Promise<void> {
    try {
      await this.writer.writeOne(w.item);
    } catch (error) {
      // a value refused, a conflict: that write's own outcome; the database out of reach: did it land?
      if (this.writer.retryAlone(error)) w.failed(error);
      else await this.outOfReach([w], error);
      return;
    }
    w.done();
  }

  /**
   * The database went out of reach during the write: its transaction may have committed (the
   * connection cut after COMMIT went out) or not. Each caller gets its true outcome: the rows
   * are read again (a few tries while the database comes back) and a write found there is
   * done; one found absent, or that could not be told, fails with the error (out of reach: its
   * caller retries as after any outage, and a retry of a write that did not land is safe).
   */
  private async outOfReach(group: Array<Waiting<T>>, error: unknown): Promise<void> {
    let found: ReadonlyArray<boolean | undefined> = [];
    if (this.writer.landed) {
      const tries = this.limits.landedTries ?? 5;
      for (let attempt = 0; attempt < tries; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, (this.limits.landedPauseMs ?? 200) * 2 ** (attempt - 1)));
        try {
          found = await withTimeout(this.writer.landed(group.map((w) => w.item), error), this.limits.landedTimeoutMs ?? 5_000);
          if (found.every((f) => f !== undefined)) break;
        } catch {
          // still out of reach: try again after a pause
        }
      }
    }
    group.forEach((w, i) => (found[i] === true ? w.done() : w.failed(error)));
  }
}

/** the promise, or a rejection once `ms` passed (a read that hangs on a broken connection must not hold its callers) */
function withTimeout<V>(promise: Promise<V>, ms: number): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
