import type { Callable } from "@ferry/core";

export const MASK = "******";
/** shorter values (and line pieces) are not masked: masking "a" would erase every a of the logs */
const MIN_LENGTH = 3;

/**
 * The secret values a task run resolved, and every form they may take in what it prints:
 * the value, its JSON-escaped form, and each of its lines (a script printing a multi-line
 * secret prints it across several log lines). `mask` replaces each with `******`.
 */
export class SecretMasker {
  private forms: string[] = [];

  add(value: string): void {
    const candidates = [value, JSON.stringify(value).slice(1, -1), ...value.split(/\r?\n/)];
    const forms = new Set(this.forms);
    for (const form of candidates) if (form.trim().length >= MIN_LENGTH) forms.add(form);
    // longest first, so a value is masked whole before any of its lines is
    this.forms = [...forms].sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let masked = text;
    for (const form of this.forms) if (masked.includes(form)) masked = masked.replaceAll(form, MASK);
    return masked;
  }

  /** every string inside a JSON-like value masked (keys too); the value itself is left as it was */
  maskValue<T>(value: T): T {
    if (!this.forms.length) return value;
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
