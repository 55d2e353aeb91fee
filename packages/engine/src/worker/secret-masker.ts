import type { Callable } from "@ferry/core";

export const MASK = "******";
/** shorter values (and line pieces) are not masked: masking "a" would erase every a of the logs */
const MIN_LENGTH = 3;
/** a base64 piece this short (24 bits) could stand in unrelated text: only longer pieces of an embedded value are masked */
const MIN_BASE64_PIECE = 4;

/**
 * The secret values a task run resolved, and the forms they commonly take in what it prints
 * or stores: the value, its lines (a script printing a multi-line secret prints it across
 * several log lines), JSON-escaped (once and twice, and with non-ASCII as \uXXXX),
 * URL-encoded (encodeURIComponent, form-encoded, encodeURI), hex, and base64 (standard and
 * url-safe, with and without padding, alone or inside a longer base64 text). Matching ignores
 * case, so upper- and lower-case forms are masked too. `mask` replaces each with `******`.
 *
 * It guards against accidents — a token echoed, logged by a library, written to a report —
 * not against a task that means to hide a value (reversed, encrypted, compressed).
 */
export class SecretMasker {
  /** one case-insensitive pattern per form, longest first: a value is masked whole before any of its lines or pieces is */
  private patterns: RegExp[] = [];
  private forms = new Set<string>();

  add(value: string): void {
    for (const form of formsOf(value)) this.forms.add(form);
    this.patterns = [...this.forms].sort((a, b) => b.length - a.length).map((form) => new RegExp(escapeRegExp(form), "gi"));
  }

  /** whether this run resolved any secret (what it stores needs masking) */
  get empty(): boolean {
    return this.patterns.length === 0;
  }

  mask(text: string): string {
    let masked = text;
    for (const pattern of this.patterns) masked = masked.replace(pattern, MASK);
    return masked;
  }

  /**
   * A file's bytes masked when they are UTF-8 text. Other bytes (images, archives) are kept as
   * they are: replacing bytes inside them would corrupt the file, and a compressed or encrypted
   * file hides its values from any masker anyway.
   */
  maskBytes(body: Uint8Array): Uint8Array {
    if (this.empty) return body;
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
      return body;
    }
    const masked = this.mask(text);
    return masked === text ? body : new TextEncoder().encode(masked);
  }

  /** every string inside a JSON-like value masked (keys too); the value itself is left as it was */
  maskValue<T>(value: T): T {
    if (this.empty) return value;
    if (typeof value === "string") return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.maskValue(v)) as T;
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.mask(k), this.maskValue(v)])) as T;
    }
    return value;
  }

  /** `secret()` that also remembers what it returned */
  recording(secret: Callable): Callable {
    return async (args, named) => {
      const value = await secret(args, named);
      if (typeof value === "string") this.add(value);
      return value;
    };
  }
}

/** every form of `value` worth masking, none shorter than MIN_LENGTH */
function formsOf(value: string): string[] {
  const json = (v: string) => JSON.stringify(v).slice(1, -1);
  const url = uriEncoded(encodeURIComponent, value);
  const bytes = new TextEncoder().encode(value);
  const text = [
    value, ...value.split(/\r?\n/), value.toUpperCase(), value.toLowerCase(),
    json(value), json(json(value)), json(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    url, url.replace(/%20/g, "+"), uriEncoded(encodeURI, value),
    [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""),
  ];
  const base64 = base64Forms(bytes).flatMap((form) => [form, form.replace(/\+/g, "-").replace(/\//g, "_")]);
  const forms = new Set<string>();
  for (const form of text) if (form.trim().length >= MIN_LENGTH) forms.add(form);
  for (const form of base64) if (form.length >= Math.max(MIN_LENGTH, MIN_BASE64_PIECE)) forms.add(form);
  return [...forms];
}

/**
 * Standard base64 forms of `bytes`: the whole value encoded alone (padded and not), and the
 * part of its encoding that is the same whatever surrounds it, for each of the three
 * alignments it may have inside a longer encoded text. Encoded after k bytes (k = 0, 1, 2
 * modulo 3), base64 character i covers bits 6i..6i+5 of the stream; those wholly inside the
 * value's bits 8k..8(k+n)-1 do not depend on its neighbours.
 */
export function base64Forms(bytes: Uint8Array): string[] {
  const binary = (b: Uint8Array) => Array.from(b, (byte) => String.fromCharCode(byte)).join("");
  const whole = btoa(binary(bytes));
  const forms = [whole, whole.replace(/=+$/, "")];
  for (const k of [0, 1, 2]) {
    const encoded = btoa("\0".repeat(k) + binary(bytes));
    const first = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    if (end > first) forms.push(encoded.slice(first, end));
  }
  return forms;
}

/** a lone surrogate cannot be URL-encoded: such a value has no URL form to mask */
function uriEncoded(encode: (v: string) => string, value: string): string {
  try {
    return encode(value);
  } catch {
    return value;
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
