import { UserError } from "@ferry/sdk";

/** A template that does not parse, or fails to evaluate (unknown variable, bad filter). */
export class ExpressionError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { status: 422, cause: options?.cause });
  }
}

/** Strict variables: reading an undefined name or a missing key. `??` and `default` catch it. */
export class UndefinedError extends ExpressionError {}
