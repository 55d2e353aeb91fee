import { childrenOf, type Node } from "./ast.js";
import { hasTemplate } from "./render.js";
import { parsed } from "./template-cache.js";
import type { Template, TemplateNode } from "./template.js";

/**
 * How much of a task's outputs a template reads: `every` run of it, or only the runs of the
 * current `iteration` — the one whose outermost loop value is the rendering task run's
 * value, when the template only ever reads it as `outputs.x[taskrun.value]` (a sibling in a
 * ForEach, the usual way to read it in Kestra).
 */
export type OutputScope = "every" | "iteration";

/**
 * The task ids whose outputs a value authored in a flow can read when rendered: every
 * `outputs.x` and `outputs['x']` in its templates (keys included, as renderValue renders
 * keys). "all" when a template reads `outputs` in a way not known before it renders:
 * `outputs[var]`, `outputs` as a whole (`{{ outputs | keys }}`, `{% for o in outputs %}`, a
 * `set`), `_context`, or render()/renderOnce(), whose template is only known at run time. A
 * template that does not parse is "all" too: it fails when rendered anyway, and the guess
 * costs only time. Lets the engine hand a task only the outputs it may read (issue #18).
 */
export function outputReferences(value: unknown): ReadonlyMap<string, OutputScope> | "all" {
  const found = new Map<string, OutputScope>();
  const stack: unknown[] = [value];
  while (stack.length) {
    const item = stack.pop();
    if (typeof item === "string") {
      if (!MAY_READ_OUTPUTS.test(item)) continue;
      if (!hasTemplate(item)) continue;
      let template: Template;
      try {
        template = parsed(item);
      } catch {
        return "all";
      }
      if (collect(template, found) === "all") return "all";
    } else if (Array.isArray(item)) {
      stack.push(...item);
    } else if (item && typeof item === "object") {
      for (const [k, v] of Object.entries(item)) stack.push(k, v);
    }
  }
  return found;
}

const DYNAMIC_TEMPLATES = new Set(["render", "renderOnce"]);
/** functions that read `outputs` themselves, for a task named at run time (the parent, the current task) */
const OUTPUT_FUNCTIONS = new Set(["parentOutput", "iterationOutput", "iterationOutputs", "outputFromIteration"]);
/** names that read every variable: `_context` is all of them */
const WHOLE_CONTEXT = new Set(["outputs", "_context"]);
// a cheap first look: a template naming none of these reads no output
const MAY_READ_OUTPUTS = /outputs|render|_context|parentOutput|iterationOutput|outputFromIteration/;

/** `outputs.x` / `outputs['x']`: the task id it names, if it is one */
function namedOutputs(node: Node): string | undefined {
  if (node.type !== "member" || node.object.type !== "name" || node.object.name !== "outputs") return undefined;
  return node.property.type === "literal" && typeof node.property.value === "string" ? node.property.value : undefined;
}

const isTaskrunValue = (node: Node) =>
  node.type === "member" && node.object.type === "name" && node.object.name === "taskrun" && node.property.type === "literal" && node.property.value === "value";

function collect(template: Template, found: Map<string, OutputScope>): "all" | undefined {
  const tags: TemplateNode[] = [...template.nodes];
  // a template that names something else `taskrun` (set, for, a macro's parameter): `[taskrun.value]` is not the run's value there
  let taskrunRebound = false;
  for (const macro of template.macros.values()) {
    tags.push(...macro.body);
    for (const p of macro.params) {
      if (p.default) tags.push({ kind: "out", expr: p.default });
      if (p.name === "taskrun") taskrunRebound = true;
    }
  }
  for (const blocks of template.blocks.values()) tags.push(...blocks);
  const exprs: Node[] = [];
  while (tags.length) {
    const tag = tags.pop()!;
    if (tag.kind === "out") exprs.push(tag.expr);
    else if (tag.kind === "set") exprs.push(tag.expr), (taskrunRebound ||= tag.name === "taskrun");
    else if (tag.kind === "if") for (const b of tag.branches) exprs.push(b.cond), tags.push(...b.body);
    else if (tag.kind === "for") exprs.push(tag.iterable), tags.push(...tag.body), (taskrunRebound ||= tag.item === "taskrun" || tag.key === "taskrun");
    else if (tag.kind === "filter") exprs.push(tag.chain), tags.push(...tag.body);
    else if (tag.kind === "block") tags.push(...tag.body);
    if ((tag.kind === "if" || tag.kind === "for") && tag.otherwise) tags.push(...tag.otherwise);
  }
  const mine = new Map<string, OutputScope>();
  const note = (taskId: string, scope: OutputScope) => mine.set(taskId, mine.get(taskId) === "every" ? "every" : scope);
  while (exprs.length) {
    const node = exprs.pop()!;
    if (node.type === "call" && (DYNAMIC_TEMPLATES.has(node.callee) || OUTPUT_FUNCTIONS.has(node.callee))) return "all";
    // outputs.x[taskrun.value]: the current iteration's run of x
    const sibling = node.type === "member" && node.computed && isTaskrunValue(node.property) ? namedOutputs(node.object) : undefined;
    if (sibling !== undefined) {
      note(sibling, "iteration");
      continue;
    }
    const named = namedOutputs(node);
    if (named !== undefined) {
      note(named, "every");
      continue;
    }
    if (node.type === "member" && node.object.type === "name" && node.object.name === "outputs") return "all";
    if (node.type === "name" && WHOLE_CONTEXT.has(node.name)) return "all";
    exprs.push(...childrenOf(node));
  }
  for (const [taskId, scope] of mine) {
    const scoped = taskrunRebound ? "every" : scope;
    found.set(taskId, found.get(taskId) === "every" ? "every" : scoped);
  }
  return undefined;
}
