import { getTableColumns, sql, type Column } from "drizzle-orm";
import type { Insertable, OnConflictDatabase } from "./sql-database.js";
import type { SqlTable } from "./sql-table.js";

/**
 * PostgreSQL's and SQLite's upsert (one statement, atomic): inserts the rows, or updates those
 * whose `key` exists, every column given but the `keep` ones, from `excluded`.
 */
export async function upsertOnConflict<Row>(tx: OnConflictDatabase, table: SqlTable<Row>, rows: Array<Insertable<Row>>, key: Column | Column[], keep: string[] = []): Promise<void> {
  const columns = getTableColumns(table);
  const set = Object.fromEntries(Object.keys(rows[0]).filter((k) => !keep.includes(k)).map((k) => [k, sql.raw(`excluded."${columns[k].name}"`)]));
  await tx.insert(table).values(rows).onConflictDoUpdate({ target: key, set });
}

/** inserts the row unless one with its key exists; the driver's result */
export function insertOnConflictIgnore<Row>(db: OnConflictDatabase, table: SqlTable<Row>, row: Insertable<Row>): PromiseLike<unknown> {
  return db.insert(table).values(row).onConflictDoNothing();
}
