import { errorMessage, parseJsonFromOutside, UserError, type ErrorDetail } from "@ferry/sdk";
import type { RenderContext } from "../expressions/evaluator.js";
import { renderValue, type Callable } from "../expressions/index.js";
import { flowVariable } from "./flow-variable.js";
import type { InputSpec } from "./flow.types.js";
import { resolutionOrder } from "./input-dependencies.js";
import { resolveInputs, type InputRules } from "./inputs.js";

/** what an input's templates (`defaults`, `expression`, `dependsOn.condition`) may read besides the inputs before it */
export interface InputEnvironment {
  flow: { id: string; namespace: string; revision?: number };
  execution?: { id: string };
  /** kv() and the like, for the flow's namespace */
  functions?: Record<string, Callable>;
  /**
   * A required input given no value and holding no default is left out rather than refused: a
   * Flow trigger's execution, whose inputs Kestra's Flow.evaluate gives as the trigger rendered
   * them, without FlowInputOutput.readExecutionInputs (FlowTriggerCaseTest.trigger runs
   * trigger-flow-listener-namespace-condition.yaml, whose required input no trigger gives, to SUCCESS)
   */
  requiredMayBeAbsent?: boolean;
}

const TEMPLATE = /\{\{|\{%/;
/** Kestra's TruthUtils: falsy when '', 'false', '0' or '-0' */
const truthy = (value: unknown) => value === true || (typeof value === "string" && !["", "false", "0", "-0"].includes(value.trim().toLowerCase()));

/**
 * Inputs as `inputs.*` reads them: a dotted id (`nested.string`) nests, as Kestra's
 * MapUtils.flattenToNestedMap does; stored inputs keep the declared ids as keys.
 */
export function nestInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, value] of Object.entries(inputs)) {
    const parts = id.split(".");
    let level = out;
    for (const part of parts.slice(0, -1)) {
      const next = level[part];
      level = (next && typeof next === "object" && !Array.isArray(next) ? next : (level[part] = {})) as Record<string, unknown>;
    }
    level[parts[parts.length - 1]] = value;
  }
  return out;
}

/**
 * An execution's typed inputs as Kestra's FlowInputOutput builds them, each after the inputs
 * it depends on: an input that depends on a disabled input, or whose condition does not hold,
 * is disabled and left out (neither asked for nor required, a given value dropped); a
 * dependency that is enabled but null does not disable it; a SELECT or MULTISELECT `expression` renders its
 * values; a templated `defaults` renders (each against the inputs before it); then every
 * value is typed and checked (`resolveInputs`). All problems are reported at once (422).
 */
export async function resolveExecutionInputs(specs: InputSpec[] | undefined, given: Record<string, unknown>, env: InputEnvironment): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  const errors: ErrorDetail[] = [];
  const disabled = new Set<string>();
  const context = (): RenderContext => ({
    variables: { flow: flowVariable(env.flow), execution: env.execution ?? {}, inputs: nestInputs(resolved) },
    functions: env.functions ?? {},
  });
  for (const declared of resolutionOrder((specs ?? []) as Array<InputRules & { dependsOn?: { inputs?: string[]; condition?: string }; expression?: string }>)) {
    const fail = (message: string) => errors.push({ path: `inputs.${declared.id}`, message: `input '${declared.id}' (${declared.type}): ${message}` });
    try {
      if (declared.dependsOn) {
        const afterDisabled = (declared.dependsOn.inputs ?? []).some((id) => disabled.has(id));
        if (afterDisabled || (declared.dependsOn.condition !== undefined && !(await conditionHolds(declared.dependsOn.condition, context())))) {
          disabled.add(declared.id);
          continue;
        }
      }
      const spec: InputRules = { ...declared };
      if (declared.expression !== undefined) spec.values = valuesOf(await renderValue(declared.expression, context()));
      if (typeof spec.defaults === "string" && TEMPLATE.test(spec.defaults)) spec.defaults = await renderValue(spec.defaults, context());
      if (env.requiredMayBeAbsent && spec.required !== false && isMissing(given[spec.id]) && isMissing(spec.defaults)) continue;
      Object.assign(resolved, resolveInputs([spec as InputSpec], given));
    } catch (error) {
      if (error instanceof UserError && error.errors?.length) errors.push(...error.errors);
      else fail(errorMessage(error));
    }
  }
  if (errors.length) throw new UserError(`invalid inputs: ${errors.map((e) => e.message).join("; ")}`, { errors });
  return resolved;
}

const isMissing = (value: unknown) => value === undefined || value === null || value === "";

/** Kestra disables an input whose condition does not render (FlowInputOutputTest's erroneous condition): only a readable, truthy one enables it */
async function conditionHolds(condition: string, context: RenderContext): Promise<boolean> {
  try {
    return truthy(await renderValue(condition, context));
  } catch {
    return false;
  }
}

/** an `expression`'s rendering: a list, or text holding a JSON list */
function valuesOf(rendered: unknown): unknown[] {
  const list = typeof rendered === "string" ? parseJsonFromOutside(rendered, "the expression's values") : rendered;
  if (!Array.isArray(list)) throw new UserError("its expression must render to a list of values");
  // Kestra's ValueOption.from: nulls are dropped, an object must hold the value it stands for
  const values = list.filter((item) => item !== null && item !== undefined);
  if (values.some((item) => typeof item === "object" && (Array.isArray(item) || !("value" in item)))) throw new UserError("each value its expression renders is text, or an object with a `value` field (and a `label`)");
  return values;
}
