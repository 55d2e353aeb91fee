import { formatDuration, parseDuration } from "@ferry/sdk";

/**
 * Kestra types DATETIME and DURATION inputs as java.time values, and a template prints them
 * with their toString: the text a task reads is Java's, whatever spelling the caller gave.
 */

/** Instant.toString: UTC, the fraction only when there is one (`2013-08-09T14:19:00Z`, `…:00.100Z`) */
export function javaInstant(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}

/** Duration.toString: hours, minutes and seconds, days counted as hours (`PT90S` → `PT1M30S`, `P1D` → `PT24H`) */
export function javaDuration(text: string): string {
  return formatDuration(parseDuration(text));
}

/** FlowInputOutput.URI_PATTERN: a scheme, `://`, a host with a dotted suffix, then a path */
export const KESTRA_URI = /^[a-z]+:\/\/(?:www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b(?:[-a-zA-Z0-9()@:%_+.~#?&/=]*)$/;

/** EmailInput's EMAIL_PATTERN (its ’ is Kestra's, not an apostrophe) */
export const KESTRA_EMAIL = /^[a-zA-Z0-9_!#$%&’*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+$/;
