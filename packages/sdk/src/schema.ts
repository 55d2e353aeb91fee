import { z } from "zod";
import { parseDuration } from "./duration.js";
import { JavaDouble } from "./java-double.js";
import { parseZonedDateTime } from "./dates.js";

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

/** an ISO-8601 duration string, kept as text (parse with `parseDuration`) */
export const duration = () =>
  z.string().refine(
    (v) => {
      try {
        parseDuration(v);
        return true;
      } catch {
        return false;
      }
    },
    { message: "expected an ISO-8601 duration such as PT30S" },
  );

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
