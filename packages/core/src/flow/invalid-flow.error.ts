import { UserError, type ErrorDetail } from "@ferry/sdk";

/** the 422 a refused flow answers: the first problem with its path and line, every problem in `errors` */
export function invalidFlowError(errors: ErrorDetail[]): UserError {
  const first = errors[0];
  const where = [first.path, first.line ? `line ${first.line}` : undefined].filter(Boolean).join(", ");
  const more = errors.length > 1 ? `; and ${errors.length - 1} more problem${errors.length > 2 ? "s" : ""} (see errors)` : "";
  return new UserError(`invalid flow: ${first.message}${where ? ` (${where})` : ""}${more}`, { errors });
}
