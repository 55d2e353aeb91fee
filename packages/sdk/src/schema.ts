import { z } from "zod";
import { parseDuration } from "./duration.js";
import { JavaDouble } from "./java-double.js";
import { parseZonedDateTime } from "./dates.js";
import { STATE_TYPES, type StateType } from "./states.js";

/**
 * Property schema helpers. Properties arrive rendered, so numbers and booleans may be
 * strings ("3", "true"); these coerce them back, and durations become milliseconds.
 */
export const int = (options: { min?: number; max?: number } = {}) => {
  let inner = z.number().int();
  if (options.min !== undefined) inner = inner.min(options.min);
  if (options.max !== undefined) inner = inner.max(options.max);
  return z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v), inner);
};

export const number = () =>
  z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v), z.number());

export const bool = () =>
  z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());

/**
 * An ISO-8601 duration string, kept as text (parse with `parseDuration`). `positive`: a period something waits or
 * repeats on (a poll, a lease, a sweep), where zero would spin and a negative one never fire.
 */
export const duration = (options: { positive?: boolean } = {}) =>
  z.string().superRefine((v, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch {
      ctx.addIssue({ code: "custom", message: `'${v.slice(0, 60)}' is not an ISO-8601 duration such as PT30S` });
      return;
    }
    if (options.positive && !(ms > 0)) ctx.addIssue({ code: "custom", message: `'${v.slice(0, 60)}' is not a duration above zero (such as PT30S)` });
  });

/**
 * An AES-256 key written as base64 (`openssl rand -base64 32`), checked as `AesGcm.fromBase64` reads it, so that
 * `ferry config check` refuses what a server's start would.
 */
export const aes256Key = () =>
  z.string().superRefine((v, ctx) => {
    let length: number;
    try {
      length = atob(v.trim()).length;
    } catch {
      ctx.addIssue({ code: "custom", message: "not base64 (make one with: openssl rand -base64 32)" });
      return;
    }
    if (length !== 32) ctx.addIssue({ code: "custom", message: `an AES-256 key is 32 bytes, this one is ${length} (make one with: openssl rand -base64 32)` });
  });

/**
 * A ZonedDateTime as Kestra reads one (ISO-8601 with an offset, `2026-01-31T12:00:00+01:00`),
 * kept as text. Written with a template it is checked once rendered; written plain, at deploy.
 */
export const dateTime = () =>
  z.string().refine((v) => /\{[{%]/.test(v) || parseZonedDateTime(v) !== undefined, {
    error: (issue) => `'${String(issue.input).slice(0, 60)}' is not a date-time with an offset, such as 2026-01-31T12:00:00Z or 2026-01-31T12:00:00+01:00`,
  });

/** a string, or a scalar rendered to one */
export const text = () =>
  z
    .preprocess((v) => (typeof v === "number" || typeof v === "boolean" || v instanceof JavaDouble ? String(v) : v), z.string())
    // the JSON Schema for editors takes what the parser takes: a number or boolean is read as its text
    .meta({ type: ["string", "number", "boolean"] });

/**
 * A property Ferry knows (Kestra has it) but does not honour yet: any value is refused at
 * deploy, `not supported by Ferry yet: <property> (<why or what to do>)`, never accepted and
 * dropped. Editors see it as a property that takes no value (`not: {}`).
 */
export const notYet = (property: string, hint?: string) => z.never({ error: `not supported by Ferry yet: ${property}${hint ? ` (${hint})` : ""}` }).optional();

/**
 * A property typed as Kestra's State.Type (PurgeExecutions and Count `states`, a Flow trigger's
 * `states`, ExecutionStatusCondition `in`/`notIn`, …): every value State.Type has. `refused` leaves some
 * out where the property could never honour them, each with its reason, read after `state X` (left out of the enum, so
 * the generated JSON Schema refuses them too). A bad value names the property and the accepted values.
 */
export function stateType<const R extends StateType = never>(property: string, refused: Partial<Record<R, string>> = {}) {
  const accepted = STATE_TYPES.filter((state) => !(state in refused)) as [Exclude<StateType, R>, ...Exclude<StateType, R>[]];
  return z.enum(accepted, {
    error: (iss) => {
      const why = typeof iss.input === "string" ? (refused as Record<string, string>)[iss.input] : undefined;
      if (why) return `${property}: state ${iss.input} ${why}`;
      const shown = typeof iss.input === "string" ? `'${iss.input.slice(0, 40)}'` : JSON.stringify(iss.input)?.slice(0, 40) ?? String(iss.input);
      return `${property}: ${shown} is not a state (Kestra's State.Type: one of ${accepted.join(", ")})`;
    },
  });
}

/** a list of `stateType`s */
export const stateTypes = <const R extends StateType = never>(property: string, refused: Partial<Record<R, string>> = {}) =>
  z.array(stateType(property, refused));

/**
 * A service's URL in a backend's options, of one of its schemes: a URL of another service
 * (`http://…` where PostgreSQL is meant) is refused at start and by `ferry config check`,
 * where it was taken for an outage and retried for ever.
 */
export const serviceUrl = (schemes: readonly string[], what: string) =>
  z
    .string()
    .min(1, `${what} needs a url (${schemes[0]}://…)`)
    .refine((url) => schemes.some((scheme) => url.trim().toLowerCase().startsWith(`${scheme}://`)), { error: `${what} needs a ${schemes.map((scheme) => `${scheme}://`).join(" or ")} URL` });
