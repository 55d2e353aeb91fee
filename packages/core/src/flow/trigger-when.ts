import type { RenderContext } from "../expressions/evaluator.js";
import { renderString } from "../expressions/render.js";
import { isTruthy } from "../expressions/values.js";
import { conditionsHold, type ConditionExecution, type ConditionSpec } from "./conditions.js";

/**
 * Kestra 2.0's trigger `when` (migration guide "trigger conditions redesign"): a Pebble
 * expression on any trigger; the trigger fires only when it renders truthy (TruthUtils: not
 * false, 0, -0, "" or null). Absent, it holds.
 */
export async function whenHolds(when: unknown, ctx: RenderContext): Promise<boolean> {
  if (when === undefined || when === null) return true;
  if (typeof when === "boolean") return when;
  return isTruthy(await renderString(String(when), ctx));
}

/** a trigger's 1.x `conditions` and its 2.0 `when` together: both must hold (a flow may carry either, or both) */
export async function triggerHolds(
  spec: { readonly [key: string]: unknown },
  ctx: RenderContext,
  execution?: ConditionExecution,
  now?: () => Date,
): Promise<boolean> {
  if (!(await conditionsHold(spec.conditions as ConditionSpec[] | undefined, ctx, execution, now))) return false;
  return whenHolds(spec.when, ctx);
}
