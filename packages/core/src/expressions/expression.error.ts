import { UserError } from "@ferry/sdk";
import type { RenderLimits } from "./render-limits.js";

/** A template that does not parse, or fails to evaluate (unknown variable, bad filter). */
export class ExpressionError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { status: 422, cause: options?.cause });
  }
}

/** Strict variables: reading an undefined name or a missing key. `??` and `default` catch it. */
export class UndefinedError extends ExpressionError {}

/**
 * An UndefinedError made without a stack trace: `??`, `default` and `is defined` make and
 * catch one for every missing key they try, and a stack trace (deep, with async frames) is
 * most of its cost while telling a flow author nothing.
 */
export function undefinedError(message: string): UndefinedError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new UndefinedError(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A render went past one of its limits (ferry.yaml's `render` section); the message names it. */
export class RenderLimitError extends ExpressionError {
  constructor(
    readonly limit: keyof RenderLimits,
    readonly value: number,
    detail: string,
  ) {
    super(`render budget exceeded: render.${limit} is ${value}, ${detail}`);
  }
}
