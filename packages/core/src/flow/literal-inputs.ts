import { UserError } from "@ferry/sdk";
import type { PluginRegistry } from "../plugins/registry.js";
import type { Flow } from "./flow.types.js";
import { resolveInputs } from "./inputs.js";
import type { Path } from "./source-map.js";

export interface InputProblem {
  path: Path;
  message: string;
}

const TEMPLATE = /\{\{|\{%/;

/** a value with no template anywhere: what it is at deploy is what every start will see */
export function isLiteral(value: unknown): boolean {
  if (typeof value === "string") return !TEMPLATE.test(value);
  if (Array.isArray(value)) return value.every(isLiteral);
  if (value && typeof value === "object") return Object.values(value).every(isLiteral);
  return true;
}

/**
 * What every start of `target` with these inputs would refuse, judged at deploy as Kestra's
 * FlowValidator judges a trigger's: each literal value against its input's type and rules
 * (resolveInputs, the code every start runs), and each required input without defaults that
 * nothing gives. A templated value is the run's to check. `who` names the giver in messages.
 */
export function literalInputProblems(target: Pick<Flow, "inputs">, given: unknown, at: Path, who: string): InputProblem[] {
  if (!target.inputs?.length || !given || typeof given !== "object" || Array.isArray(given)) return [];
  const values = given as Record<string, unknown>;
  const known = target.inputs.filter((spec) => isLiteral(values[spec.id]));
  try {
    resolveInputs(known, Object.fromEntries(known.filter((spec) => Object.hasOwn(values, spec.id)).map((spec) => [spec.id, values[spec.id]])));
    return [];
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return (error.errors ?? []).map((e) => {
      const id = (e.path ?? "").replace(/^inputs\./, "");
      return Object.hasOwn(values, id) ? { path: [...at, id], message: e.message } : { path: at, message: `${e.message}: ${who} gives no value for it` };
    });
  }
}

/**
 * The literal inputs of each Schedule and Webhook trigger, against the flow's own inputs. Kestra's
 * FlowValidator judges only those two kinds (its inputsSuppliedBy): a Flow trigger's inputs,
 * given or missing, are judged when it fires, and a start they break is refused and logged then.
 */
export function triggerInputProblems(flow: Flow, registry: PluginRegistry): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [i, trigger] of (flow.triggers ?? []).entries()) {
    const kind = registry.trigger(trigger.type)?.kind;
    if (kind !== "schedule" && kind !== "webhook") continue;
    problems.push(...literalInputProblems(flow, trigger.inputs ?? {}, ["triggers", i, "inputs"], `trigger '${trigger.id}'`));
  }
  return problems;
}
