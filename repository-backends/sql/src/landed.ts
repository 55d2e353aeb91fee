import type { ExecutionRecord } from "@ferry/sdk";
import { isDeepStrictEqual } from "node:util";
import { executionToRow, type ExecutionRow } from "./rows.js";
import type { StatementColumn } from "./statement-text.js";

/** a versioned save's or an insert's write, as a WriteGroup holds it */
export interface ExecutionWrite {
  execution: ExecutionRecord;
  /** a versioned save's: the row is that write's at the version after it; an insert's: at the execution's own */
  expectedVersion?: number;
}

/** a value as JSON reads it back: undefined properties gone, key order free (jsonb reorders keys) */
const asJson = (value: unknown) => (value === undefined || value === null ? null : JSON.parse(JSON.stringify(value)));

/**
 * Whether each write is in the database as it left the row (WriteGroup's `landed`, after a
 * connection cut with the write's answer lost): the execution's row (read again, JSON parsed)
 * at the version that write gave it, with the values it wrote in `columns`. A row at that
 * version with other values was written by another executor: not this write. A save is compared
 * on what it sets (`saved`: an execution keeps its identity and creation date), an insert on
 * every column (`inserted`). A row past that
 * version cannot tell whether this write came first: not known as landed (its caller gets the
 * out-of-reach error, retries, and meets the version it missed). The write's task runs are in
 * the same transaction as its row: the row landed, they did.
 */
export function writesLanded(writes: readonly ExecutionWrite[], rows: ReadonlyArray<Record<string, unknown>>, columns: { saved: StatementColumn[]; inserted: StatementColumn[] }): boolean[] {
  const byId = new Map(rows.map((row) => [String(row.id), row]));
  return writes.map(({ execution, expectedVersion }) => {
    const row = byId.get(execution.id);
    if (!row) return false;
    const mine = executionToRow(execution) as unknown as Record<string, unknown>;
    const version = expectedVersion === undefined ? Number((mine as Partial<ExecutionRow>).version ?? 0) : expectedVersion + 1;
    if (Number(row.version) !== version) return false;
    return (expectedVersion === undefined ? columns.inserted : columns.saved).every((c) => c.key === "version" || isDeepStrictEqual(asJson(row[c.key]), asJson(mine[c.key])));
  });
}
