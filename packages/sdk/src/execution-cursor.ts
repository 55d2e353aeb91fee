import { UserError } from "./errors.js";
import type { HistoryPage } from "./history.js";
import type { ExecutionRecord, Page } from "./model.js";
import type { ExecutionCursor } from "./repositories/execution.repository.js";

/**
 * The `after` cursor of GET /executions/search over the primary repository: where the previous
 * page ended, as an opaque token (base64url of the last execution's creation date and id).
 * Keyset pages cost the same at any depth; `page=N` makes the database walk every row before
 * the page. History stores of their own may give cursors of their own.
 */
export function encodeExecutionCursor(last: Pick<ExecutionRecord, "created" | "id">): string {
  return Buffer.from(JSON.stringify([last.created, last.id])).toString("base64url");
}

export function decodeExecutionCursor(token: string | undefined): ExecutionCursor | undefined {
  if (token === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  // a NUL would reach PostgreSQL's text, which cannot hold one (a 500, not the 400 it is)
  const sound = (part: unknown) => typeof part === "string" && part.length > 0 && part.length <= 200 && !part.includes("\u0000");
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every(sound)) {
    throw new UserError("query parameter 'after' is not a cursor this API gave (use the 'next' of the previous page)", { status: 400 });
  }
  return { created: parsed[0], id: parsed[1] };
}

/** the page with a `next` cursor when it is full (more may follow): its last execution's */
export function withNextCursor(found: Page<ExecutionRecord>, size: number): HistoryPage<ExecutionRecord> {
  const last = found.results.at(-1);
  return { ...found, ...(last && found.results.length === size ? { next: encodeExecutionCursor(last) } : {}) };
}
