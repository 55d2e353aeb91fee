import type { Column, SQL, SQLWrapper, Subquery, Table } from "drizzle-orm";
import type { DataOf, SqlTable } from "./sql-table.js";

/**
 * The part of drizzle's query builder the shared queries use, as every dialect's database
 * (and transaction) has it: drizzle has no dialect-neutral database type (drizzle-orm#1196),
 * but its pg, mysql and sqlite builders share these names and shapes. Each dialect hands its
 * database over as this (or as a narrower interface adding its own statements).
 */
export interface SqlDatabase {
  select(): { from<Row>(table: SqlTable<Row>): SelectQuery<Row> };
  select<Fields extends Selection>(fields: Fields): { from(table: Table | Subquery): SelectQuery<Selected<Fields>> };
  selectDistinct<Fields extends Selection>(fields: Fields): { from(table: Table): SelectQuery<Selected<Fields>> };
  insert<Row>(table: SqlTable<Row>): { values(rows: Insertable<Row> | Array<Insertable<Row>>): PromiseLike<unknown> };
  update<Row>(table: SqlTable<Row>): { set(changes: Partial<Row>): { where(condition: SQL | undefined): PromiseLike<unknown> } };
  /** the driver's result of a delete, whose count of rows changedRows reads */
  delete(table: Table): PromiseLike<unknown> & { where(condition: SQL | undefined): PromiseLike<unknown> };
}

/** a row to insert: every column but the sequence number the database gives */
export type Insertable<Row> = Omit<Row, "seq">;

/** columns (or expressions) to select, by the key each takes in a row */
export type Selection = Record<string, Column | SQL>;

/** the rows a selection reads */
export type Selected<Fields extends Selection> = { [K in keyof Fields]: Fields[K] extends SQL<infer T> ? T : DataOf<Fields[K]> };

/** a SELECT being built; as an SQLWrapper it can be embedded in another statement (EXPLAIN …) */
export interface SelectQuery<Row> extends PromiseLike<Row[]>, SQLWrapper {
  where(condition: SQL | undefined): SelectQuery<Row>;
  orderBy(...order: Array<Column | SQL>): SelectQuery<Row>;
  limit(count: number): SelectQuery<Row>;
  offset(count: number): SelectQuery<Row>;
  leftJoin(table: Table, on: SQL): SelectQuery<Row>;
  groupBy(...columns: Array<Column | SQL>): SelectQuery<Row>;
  /** a locking read (SELECT … FOR UPDATE); PostgreSQL and MySQL only */
  for(strength: "update"): SelectQuery<Row>;
  /** the query as a subquery to select from */
  as(alias: string): Subquery;
}

/**
 * A database with PostgreSQL's and SQLite's `INSERT … ON CONFLICT` (drizzle names it alike on
 * both), for the upserts written once in on-conflict.ts.
 */
export interface OnConflictDatabase extends SqlDatabase {
  insert<Row>(table: SqlTable<Row>): { values(rows: Insertable<Row> | Array<Insertable<Row>>): OnConflictInsert };
}

export interface OnConflictInsert extends PromiseLike<unknown> {
  onConflictDoUpdate(config: { target: Column | Column[]; set: Record<string, SQL> }): PromiseLike<unknown>;
  onConflictDoNothing(): PromiseLike<unknown>;
}
