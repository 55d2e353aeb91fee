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
