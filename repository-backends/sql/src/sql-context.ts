import type { Column, SQL, SQLWrapper } from "drizzle-orm";
import type { Insertable, SqlDatabase } from "./sql-database.js";
import type { SqlTable } from "./sql-table.js";
import type { SqlTables } from "./tables.js";

/**
 * What every entity repository (repositories/*.repository.ts) shares: the dialect's open
 * database, its tables, and the few statements whose SQL differs per dialect. SqlRepository
 * builds it from the dialect's methods, so an entity's queries are written once for all three.
 */
export interface SqlContext<Db extends SqlDatabase = SqlDatabase> {
  readonly tables: SqlTables;
  /** the dialect's database, once init() opened it (throws before) */
  db(): Db;
  /** runs fn in one transaction */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * inserts the rows, or updates those whose key (a column or several) exists, every column but
   * the `keep` ones (one statement, atomic: concurrent upserts of one key never fail on it)
   */
  upsert<Row>(tx: Db, table: SqlTable<Row>, rows: Array<Insertable<Row>>, key: Column | Column[], keep?: string[]): Promise<void>;
  /** inserts the row unless one with its key exists (then does nothing); how many rows it inserted */
  insertIgnore<Row>(table: SqlTable<Row>, row: Insertable<Row>): Promise<number>;
  /** true for an error that means a concurrent writer committed first (unique violation, deadlock, serialization failure) */
  lostRace(error: unknown): boolean;
  /** how many rows an update changed, from the driver's result */
  changedRows(result: unknown): number;
  /** the condition "the JSON object in `column` has `key` with the text `value`" (each dialect reads JSON its own way) */
  hasLabel(column: Column, key: string, value: string): SQL;
  /** seconds from one ISO-8601 date column to another, as a number (each dialect parses dates its own way) */
  secondsBetween(from: Column, to: Column): SQL;
  /** how many rows the database's planner expects this query to return; undefined where it cannot say */
  estimateRows(query: SQLWrapper): Promise<number | undefined>;
  /** serializes the saves of one flow's revisions inside `tx` (SqlRepository.lockFlow) */
  lockFlow(tx: Db, namespace: string, id: string): Promise<void>;
  /** locks the flow's row of `concurrency_locks` until `tx` ends (SqlRepository.lockFlowSlots) */
  lockFlowSlots(tx: Db, namespace: string, flowId: string): Promise<void>;
}
