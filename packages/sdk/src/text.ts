import { UserError } from "./errors.js";

/** NUL and the other C0 controls but tab and line breaks, and UTF-16 surrogates without their pair */
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses (400, or the status given) text no database stores as it is: PostgreSQL's text
 * and jsonb refuse NUL and `\ud800`, MySQL's JSON a lone surrogate. For names and labels,
 * which are stored in columns and queried.
 */
export function assertStorableText(text: string, what: string, status = 400): string {
  const bad = UNSTORABLE.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new UserError(`${what} holds a character that cannot be stored (U+${code} at position ${bad.index + 1})`, { status });
  }
  return text;
}
