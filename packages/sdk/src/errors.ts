/**
 * Errors are grouped by who must act (as n8n does):
 * - UserError: the input was wrong; the caller must fix it (HTTP 4xx).
 * - OperationalError: something transient failed (a service, the network); retrying may help.
 * - UnexpectedError: a bug; logged, answered as HTTP 500 without details.
 * Only the server's error handler turns these into HTTP responses.
 *
 * What each means thrown from a task's `run` (the worker treats them so; see the README):
 * - UserError: what the task was given is wrong (a property, a file, a 4xx answer, a script
 *   that exits non-zero): the flow's author must act. The attempt fails with the message.
 * - OperationalError: a transient failure (a service out of reach, HTTP 5xx, a connection
 *   reset, a timeout). The attempt fails with the message.
 * - UnrecoverableError: no later attempt can succeed (a closed account): never retried.
 * - anything else (a bare Error, a TypeError): a bug in the plugin. The attempt fails with
 *   the message, and its stack is logged at DEBUG for the plugin's author.
 * Every failure but UnrecoverableError then follows the task's `retry` policy, as Kestra's
 * retries do: a task without one fails at its first failed attempt.
 */
export interface ErrorDetail {
  path?: string;
  message: string;
  line?: number;
}

export class FerryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UserError extends FerryError {
  readonly status: number;
  readonly errors?: ErrorDetail[];
  constructor(message: string, options?: { status?: number; errors?: ErrorDetail[]; cause?: unknown }) {
    super(message, options);
    this.status = options?.status ?? 422;
    this.errors = options?.errors;
  }
}

export class NotFoundError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { status: 404, cause: options?.cause });
  }
}

export class ConflictError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { status: 409, cause: options?.cause });
  }
}

/** An insert of a record whose id is taken (Repository.insertExecution): nothing was written. */
export class AlreadyExistsError extends ConflictError {}

/** Bytes a record points at were removed by a retention rule. */
export class PurgedError extends UserError {
  constructor(uri: string, options?: { cause?: unknown }) {
    super(`${uri} was purged from internal storage`, { status: 410, cause: options?.cause });
  }
}

export class OperationalError extends FerryError {}

/**
 * A history query while no history store is configured (`history.type: none`): live
 * executions are still answered from the primary; searching history is not.
 */
export class HistoryNotConfiguredError extends UserError {
  constructor(what: string) {
    super(`${what}: history search is not configured (history.type: none); running executions are still answered by id`, { status: 501 });
  }
}

export class UnexpectedError extends FerryError {}

/**
 * A worker lost its hold on a task run (it could not renew its lease on the queue): the task
 * must stop at once, without a grace period, because another worker may soon be given it.
 */
export class LeaseLostError extends OperationalError {}

/** True for a LeaseLostError, also one made by another copy of this SDK (see isUnrecoverable). */
export function isLeaseLost(error: unknown): boolean {
  return error instanceof LeaseLostError || (error instanceof Error && error.name === "LeaseLostError");
}

/** A task asks to fail without retry, whatever its retry policy says. */
export class UnrecoverableError extends FerryError {}

/**
 * True for an UnrecoverableError, also one made by another copy of this SDK (a plugin
 * installed from outside brings its own), which `instanceof` would not see.
 */
export function isUnrecoverable(error: unknown): boolean {
  return error instanceof UnrecoverableError || (error instanceof Error && error.name === "UnrecoverableError");
}

/** this SDK's classes by name, as another copy of the SDK names them too */
const FERRY_ERROR_NAMES = new Set(["FerryError", "UserError", "NotFoundError", "ConflictError", "PurgedError", "HistoryNotConfiguredError", "OperationalError", "LeaseLostError", "UnexpectedError", "UnrecoverableError"]);

/**
 * True for an error none of this SDK's classes describes (a bare Error, a TypeError), or an
 * UnexpectedError: a bug, whose stack is worth showing its author. Ferry's classes from
 * another copy of the SDK are recognised by name.
 */
export function isUnexpected(error: unknown): boolean {
  if (error instanceof UnexpectedError) return true;
  if (error instanceof FerryError) return false;
  return !(error instanceof Error && FERRY_ERROR_NAMES.has(error.name) && error.name !== "UnexpectedError");
}

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "CONNECTION_ENDED", "CONNECTION_CLOSED", "CONNECTION_DESTROYED", "PROTOCOL_CONNECTION_LOST", "57P01", "57P03"]);

/**
 * True when an error (or one of its causes) says a service is out of reach — a database,
 * Redis — rather than that the request was wrong: the API answers 503, and callers retry.
 */
export function isUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof OperationalError) return true;
    if (typeof e.code === "string" && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === "string" && /Connection is closed|connect ECONNREFUSED|Connection terminated|write CONNECTION_CLOSED/i.test(e.message)) return true;
  }
  return false;
}

/**
 * The `code` a driver put on an error or on one of its causes (query builders wrap the
 * driver's error): for a backend's `mapError`, which alone reads its driver's codes.
 */
export function driverCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" || typeof e.code === "number") return String(e.code);
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
