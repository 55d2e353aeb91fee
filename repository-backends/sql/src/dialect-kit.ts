import type { Column, Table } from "drizzle-orm";

/** a column being defined (the dialect's builder): the modifiers the shared tables use */
export interface ColumnSpec<Data = unknown> {
  notNull(): ColumnSpec<Data>;
  default(value: Data): ColumnSpec<Data>;
  primaryKey(): ColumnSpec<Data>;
}

/** a table's primary key or index being defined (the dialect's own builder, opaque here) */
export type KeySpec = object;

/** one column definition per key of a table's row, of a kind that holds the key's data */
export type ColumnSpecs<Row> = { [K in keyof Row]-?: ColumnSpec<NonNullable<Row[K]>> };

/**
 * What each dialect gives the shared table definitions (tables.ts): column kinds by meaning,
 * since MySQL needs a length on text it keys or indexes and the other two do not, and its
 * table, key and index builders. Each dialect's schema.ts is one of these.
 */
export interface DialectKit {
  /** the dialect's table (pgTable, mysqlTable, sqliteTable) of these columns, keys and indexes */
  table(name: string, columns: Record<string, ColumnSpec<never>>, keys: (t: Record<string, Column>) => KeySpec[]): Table;
  primaryKey(...columns: Column[]): KeySpec;
  index(name: string, ...columns: Column[]): KeySpec;
  /**
   * an index answering "this JSON column contains that object" (a label filter), where the
   * dialect has one (PostgreSQL's GIN); absent, such filters read the rows
   */
  containmentIndex?(name: string, column: Column): KeySpec;
  /** a UUIDv7 or a hash key */
  id(column: string): ColumnSpec<string>;
  /** a namespace, flow, task or other user-given name */
  name(column: string): ColumnSpec<string>;
  /** a storage URI or prefix */
  uri(column: string): ColumnSpec<string>;
  /** an ISO-8601 UTC date (text, so it sorts and compares alike everywhere) */
  date(column: string): ColumnSpec<string>;
  /** a short code from a fixed set (a state, a level, a type) of at most `length` characters */
  code(column: string, length: number): ColumnSpec<string>;
  /** text of no set length that is never keyed or indexed */
  text(column: string): ColumnSpec<string>;
  /** text that may be large (a flow's source, a log message, a ciphertext) */
  longText(column: string): ColumnSpec<string>;
  integer(column: string): ColumnSpec<number>;
  double(column: string): ColumnSpec<number>;
  boolean(column: string): ColumnSpec<boolean>;
  json(column: string): ColumnSpec<unknown>;
  /** the table's primary key, a number the database counts up (insertion order) */
  serial(column: string): ColumnSpec<number>;
}

/** a dialect's table, primary key and index builders, which drizzle names and shapes alike in each */
export interface DialectBuilders {
  table(name: string, columns: never, extra: never): Table;
  primaryKey(config: { columns: never }): KeySpec;
  index(name: string): { on(...columns: never[]): KeySpec };
}

/** the kit's table, primaryKey and index over a dialect's builders (pgTable…, sqliteTable…, mysqlTable…) */
export function tableBuilders(builders: DialectBuilders): Pick<DialectKit, "table" | "primaryKey" | "index"> {
  // the columns, keys and indexes handed over are the dialect's own (its kit built them): the casts only forget that
  return {
    table: (name, columns, keys) => builders.table(name, columns as never, ((t: Record<string, Column>) => keys(t)) as never),
    primaryKey: (...columns) => builders.primaryKey({ columns: columns as never }),
    index: (name, ...columns) => builders.index(name).on(...(columns as never[])),
  };
}

/** the text kinds of a dialect whose text needs no length (PostgreSQL, SQLite): each is its one text column */
export function unboundedText(text: (column: string) => ColumnSpec<string>): Pick<DialectKit, "id" | "name" | "uri" | "date" | "code" | "text" | "longText"> {
  const kind = (column: string) => text(column);
  return { id: kind, name: kind, uri: kind, date: kind, code: kind, text: kind, longText: kind };
}
