import { flowVariable, isTruthy, nestInputs, renderValue, type Callable, type CheckSpec, type Flow } from "@ferry/core";
import { errorMessage, UserError, type LogLevel } from "@ferry/sdk";

export type CheckBehavior = NonNullable<CheckSpec["behavior"]>;

/** Kestra's Check.Behavior in its declared order: the first one a failed check asks for wins (Check.resolveBehavior) */
const STRICTNESS: CheckBehavior[] = ["BLOCK_EXECUTION", "FAIL_EXECUTION", "CREATE_EXECUTION"];

/** the level of the log line giving a failed check's message, from its `style` */
export const CHECK_LOG_LEVEL: Record<NonNullable<CheckSpec["style"]>, LogLevel> = { ERROR: "ERROR", WARNING: "WARN", INFO: "INFO", SUCCESS: "INFO" };

export interface FailedChecks {
  checks: CheckSpec[];
  behavior: CheckBehavior;
}

/**
 * A flow's `checks`, evaluated as an execution is created, once its inputs are typed: each
 * condition renders against the flow, the inputs and the execution id (kv() too) and holds when
 * truthy. Answers the checks that failed and the strictest behaviour they ask for, or undefined
 * when all hold. A condition that cannot render is the caller's mistake: 422 naming the check.
 */
export async function failedChecks(
  flow: Flow,
  inputs: Record<string, unknown>,
  env: { executionId: string; functions?: Record<string, Callable> },
): Promise<FailedChecks | undefined> {
  if (!flow.checks?.length) return undefined;
  const ctx = {
    variables: { flow: flowVariable({ id: flow.id, namespace: flow.namespace, revision: flow.revision ?? 1 }), execution: { id: env.executionId }, inputs: nestInputs(inputs) },
    functions: env.functions ?? {},
  };
  const failed: CheckSpec[] = [];
  for (const [index, check] of flow.checks.entries()) {
    let rendered: unknown;
    try {
      rendered = await renderValue(check.condition, ctx);
    } catch (error) {
      throw new UserError(`checks[${index}]: the condition '${check.condition}' cannot be evaluated: ${errorMessage(error)}`, { status: 422, cause: error });
    }
    if (!isTruthy(rendered)) failed.push(check);
  }
  if (!failed.length) return undefined;
  const behavior = STRICTNESS.find((b) => failed.some((c) => (c.behavior ?? "BLOCK_EXECUTION") === b)) ?? "CREATE_EXECUTION";
  return { checks: failed, behavior };
}

/** the 422 of a creation the flow's checks block: every failed check's message */
export function blockedByChecks(failed: FailedChecks): UserError {
  return new UserError(`The execution was blocked by the flow's checks: ${failed.checks.map((c) => c.message).join("; ")}`, {
    status: 422,
    errors: failed.checks.map((c) => ({ path: "checks", message: c.message })),
  });
}
