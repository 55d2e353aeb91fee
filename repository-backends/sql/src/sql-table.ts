import type { Column, Table } from "drizzle-orm";

declare const rowOf: unique symbol;
declare const dataOf: unique symbol;

/**
 * A column as the shared queries see it: drizzle's dialect-neutral Column, tagged (in types
 * only) with what a row holds in it, so a selection of columns types its rows.
 */
export type SqlColumn<Data> = Column & { readonly [dataOf]?: Data };

/**
 * A table as the shared queries see it, whichever dialect built it: drizzle's Table (a pgTable,
 * mysqlTable or sqliteTable at run time) with one column per key of its row.
 */
export type SqlTable<Row> = Table & { readonly [K in keyof Row]-?: SqlColumn<Row[K]> } & { readonly [rowOf]?: Row };

/** what a column holds, from its tag */
export type DataOf<C> = C extends SqlColumn<infer Data> ? Data : unknown;
