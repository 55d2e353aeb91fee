import { isCalendarDate, parseZonedDateTime, UserError } from "@ferry/sdk";
import type { Context } from "hono";

/** dot-separated words of letters, digits, '_' and '-' (the flow schema's rule) */
const NAMESPACE = /^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$/;
/** Kestra's limit on a namespace (the flow schema's too) */
export const MAX_NAMESPACE_LENGTH = 150;

/** the `:namespace` path parameter, or 400 JSON naming it */
export function namespaceParam(c: Context): string {
  const namespace = c.req.param("namespace")!;
  if (namespace.length > MAX_NAMESPACE_LENGTH) throw new UserError(`namespace too long: ${namespace.length} characters, at most ${MAX_NAMESPACE_LENGTH}`, { status: 400 });
  if (!NAMESPACE.test(namespace)) throw new UserError(`'${namespace}' is not a namespace`, { status: 400 });
  return namespace;
}

/** an optional whole-number query parameter within bounds, or 400 naming it and the bounds */
export function integerQuery(value: string | undefined, name: string, bounds: { min: number; max: number }): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) {
    throw new UserError(`query parameter ${name}='${value.slice(0, 40)}' must be a whole number from ${bounds.min} to ${bounds.max}`, { status: 400 });
  }
  return n;
}

/** an optional ISO-8601 date-time query parameter, normalised to UTC, or 400 naming it */
export function dateQuery(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  const at = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && isCalendarDate(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new UserError(`query parameter ${name}='${value.slice(0, 40)}' is not an ISO-8601 date-time (2026-01-31T12:00:00Z)`, { status: 400 });
  return new Date(at).toISOString();
}

/**
 * An optional ZonedDateTime query parameter as Kestra's API takes one (an offset is required),
 * normalised to UTC, or 400 naming it. A `+` left unencoded in a URL arrives as a space: said so.
 */
export function zonedDateTimeQuery(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  const at = parseZonedDateTime(value);
  if (at) return at.toISOString();
  const hint = / \d{2}:?\d{2}$/.test(value) ? " (a '+' in a URL must be written %2B)" : "";
  throw new UserError(`query parameter ${name}='${value.slice(0, 60)}' is not a date-time with an offset, such as 2026-01-31T12:00:00Z${hint}`, { status: 400 });
}

/** an optional true/false query parameter (Kestra's are Booleans: anything else is a 400 there too), or 400 naming it */
export function booleanQuery(value: string | undefined, name: string, absent: boolean): boolean {
  if (value === undefined || value === "") return absent;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new UserError(`query parameter ${name}='${value.slice(0, 40)}' must be true or false`, { status: 400 });
}

/** labels one request may give or filter by */
export const MAX_LABELS = 100;

/** `?labels=key:value` (repeatable, as Kestra takes them, at most MAX_LABELS), or 400 naming one that is not key:value */
export function labelsQuery(c: Context): Record<string, string> {
  const given = c.req.queries("labels") ?? [];
  // each label is a condition of the search's statement: SQLite refused 1,000 ("Expression tree is too large"), a 500
  if (given.length > MAX_LABELS) throw new UserError(`at most ${MAX_LABELS} labels (${given.length} given)`, { status: 400 });
  return Object.fromEntries(
    given.map((label) => {
      const at = label.indexOf(":");
      if (at <= 0) throw new UserError(`label '${label.slice(0, 100)}' is not key:value`, { status: 400 });
      return [label.slice(0, at), label.slice(at + 1)];
    }),
  );
}

/** `?revision=`: a flow revision number, when given */
export function revisionQuery(c: Context): number | undefined {
  return integerQuery(c.req.query("revision"), "revision", { min: 1, max: 2_147_483_647 });
}

/** pages past this are refused: an offset beyond it is a mistake, and databases choke on it */
const MAX_PAGE = 1_000_000;
export const MAX_PAGE_SIZE = 1000;

/** `?page=&size=` (1-based, 25 by default, at most 1,000 a page), or 400 naming the parameter */
export function pageOf(query: Record<string, string | undefined>): { page: number; size: number } {
  const page = integerQuery(query.page, "page", { min: 1, max: MAX_PAGE }) ?? 1;
  const size = integerQuery(query.size, "size", { min: 1, max: MAX_PAGE_SIZE }) ?? 25;
  return { page, size };
}

/** Kestra's search parameters Ferry does not read yet: named as such rather than ignored */
const KESTRA_NOT_YET = new Set(["sort", "q", "timeRange", "scope", "filters", "childFilter", "triggerExecutionId", "flowScopes", "namespaces", "breakpoints", "kind"]);

/**
 * Refuses (400) a query parameter the route does not read: an ignored filter would answer
 * more than was asked, and the caller would never know.
 */
export function onlyQuery(c: Context, known: readonly string[]): void {
  for (const name of Object.keys(c.req.queries())) {
    if (known.includes(name)) continue;
    const what = KESTRA_NOT_YET.has(name) ? `not supported by Ferry yet: query parameter '${name}'` : `unknown query parameter '${name.slice(0, 40)}'`;
    throw new UserError(`${what} (this endpoint reads ${known.join(", ") || "none"})`, { status: 400 });
  }
}

/** a search counts its matches exactly up to this many; past it the total is the database's estimate (exact counts of millions cost seconds) */
export const EXACT_COUNT_LIMIT = 1_000;
