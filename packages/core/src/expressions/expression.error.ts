import { UserError } from "@ferry/sdk";
import type { RenderLimits } from "./render-limits.js";

/** A template that does not parse, or fails to evaluate (unknown variable, bad filter). */
export class ExpressionError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { status: 422, cause: options?.cause });
  }
}

/**
 * Strict variables: reading an undefined name or a missing key. `??` and `default` catch it.
 * `attribute` is the name or key that was missing and `line` the template line it was read on,
 * what Pebble's AttributeNotFoundException carries and Kestra's message names.
 */
export class UndefinedError extends ExpressionError {
  attribute?: string;
  line?: number;
  /** the template whose render worded the message, once it is worded */
  template?: string;
}

/**
 * An UndefinedError made without a stack trace: `??`, `default` and `is defined` make and
 * catch one for every missing key they try, and a stack trace (deep, with async frames) is
 * most of its cost while telling a flow author nothing.
 */
export function undefinedError(message: string, attribute?: string): UndefinedError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const error = new UndefinedError(message);
    if (attribute !== undefined) error.attribute = attribute;
    return error;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * A missing name or key in Kestra's words (VariableRenderer.properPebbleException, from Pebble's
 * AttributeNotFoundException: the attribute, the whole template, the line), still an
 * UndefinedError so that `??` or `default` around a render() catch it; worded once, by the
 * innermost template (a render() inside another keeps its own).
 */
export function unableToFind(error: UndefinedError, template: string): UndefinedError {
  const line = error.line ?? 1;
  const wrapped = new UndefinedError(`Unable to find \`${error.attribute}\` used in the expression \`${template}\` at line ${line}`, { cause: error });
  wrapped.attribute = error.attribute;
  wrapped.line = line;
  wrapped.template = template;
  return wrapped;
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
