import type Database from "better-sqlite3";

/**
 * Transactions for the shared async repository code on better-sqlite3's one connection.
 * drizzle's SQLite transactions take a synchronous callback; the shared queries await. So
 * `run` issues BEGIN IMMEDIATE … COMMIT around the async body itself, one transaction at a
 * time. While one is open, every other statement of this process waits (`gated`, `whenIdle`):
 * on a single connection it would otherwise run inside that transaction, and its rollback
 * would undo a write its caller believed done.
 *
 * IMMEDIATE takes the write lock before the body's first read, so another process on the same
 * file waits (busy_timeout) instead of failing to upgrade a read snapshot.
 */
export class TransactionGate {
  private open?: Promise<void>;

  /**
   * @param writesAsked when writes were asked for and are not made yet (the saves of a group
   * commit), a promise of their being made: a statement asked for after them waits for it once,
   * so it sees them, as it would had each been made at once
   */
  constructor(
    private readonly sqlite: Database.Database,
    private readonly writesAsked: () => Promise<void> | undefined = () => undefined,
  ) {}

  /** runs the body in one transaction: committed when it resolves, rolled back when it throws */
  async run<T>(body: () => Promise<T>): Promise<T> {
    const asked = this.writesAsked();
    if (asked) await asked;
    while (this.open) await this.open;
    let close!: () => void;
    this.open = new Promise((resolve) => (close = resolve));
    try {
      this.sqlite.exec("BEGIN IMMEDIATE");
      try {
        const result = await body();
        this.sqlite.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.sqlite.inTransaction) this.sqlite.exec("ROLLBACK");
        throw error;
      }
    } finally {
      this.open = undefined;
      close();
    }
  }

  /**
   * Runs the synchronous statements of fn once no transaction is open: at once (in this tick)
   * when none is. The check and fn run in one synchronous step, so no transaction opens between.
   */
  whenIdle<T>(fn: () => T): Promise<T> {
    const asked = this.writesAsked();
    return asked ? asked.then(() => this.whenNoTransaction(fn)) : this.whenNoTransaction(fn);
  }

  /** as whenIdle, without waiting for the writes asked for: for the code that makes them */
  whenNoTransaction<T>(fn: () => T): Promise<T> {
    const go = (): T | Promise<T> => (this.open ? this.open.then(go) : fn());
    return Promise.resolve(go());
  }

  /**
   * A drizzle database whose statements run once no transaction is open. A drizzle SQLite
   * statement runs when it is awaited (its `then`), synchronously: the gate sits there, and
   * passes every other call through, wrapping what it returns (the builder chain).
   */
  gated<T extends object>(database: T): T {
    const gate = this;
    const wrap = <V>(value: V): V => {
      if (typeof value !== "object" || value === null) return value;
      return new Proxy(value, {
        get(target, property) {
          const member: unknown = Reflect.get(target, property, target);
          // drizzle's is() reads the constructor: it must stay the class itself
          if (typeof member !== "function" || property === "constructor" || typeof property === "symbol") return member;
          if (property === "then") {
            return (fulfilled?: (v: unknown) => unknown, rejected?: (e: unknown) => unknown) => gate.whenIdle(() => member.call(target, fulfilled, rejected) as unknown);
          }
          return (...args: unknown[]) => wrap(member.apply(target, args) as unknown);
        },
      });
    };
    return wrap(database);
  }
}
