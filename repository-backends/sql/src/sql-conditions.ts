import type { ExecutionState } from "@ferry/sdk";
import { eq, or, sql, type Column, type SQL } from "drizzle-orm";

/** Kestra's terminated states an execution can end in */
export const TERMINAL: ExecutionState[] = ["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED"];

/**
 * The namespace and its children (`company` matches `company.team`); no condition without
 * one. `_` and `%` in a namespace are LIKE wildcards: escaped with `!`, named in the
 * statement, since SQLite has no default escape character.
 */
export function inNamespace(column: Column, namespace: string | undefined): SQL | undefined {
  if (!namespace) return undefined;
  const children = `${namespace.replace(/[!%_]/g, "!$&")}.%`;
  return or(eq(column, namespace), sql`${column} like ${children} escape '!'`);
}
