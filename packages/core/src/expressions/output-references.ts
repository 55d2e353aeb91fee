import { childrenOf, type Node } from "./ast.js";
import { hasTemplate } from "./render.js";
import { parsed } from "./template-cache.js";
import type { Template, TemplateNode } from "./template.js";

/**
 * The task ids whose outputs a value authored in a flow can read when rendered: every
 * `outputs.x` and `outputs['x']` in its templates (keys included, as renderValue renders
 * keys). "all" when a template reads `outputs` in a way not known before it renders:
 * `outputs[var]`, `outputs` as a whole (`{{ outputs | keys }}`, `{% for o in outputs %}`, a
 * `set`), `_context`, or render()/renderOnce(), whose template is only known at run time. A template
 * that does not parse is "all" too: it fails when rendered anyway, and the guess costs only
 * time. Lets the engine hand a task only the outputs it may read (issue #18).
 */
export function outputReferences(value: unknown): ReadonlySet<string> | "all" {
  const found = new Set<string>();
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
/** names that read every variable: `_context` is all of them */
const WHOLE_CONTEXT = new Set(["outputs", "_context"]);
// a cheap first look: a template naming none of these reads no output
const MAY_READ_OUTPUTS = /outputs|render|_context/;

function collect(template: Template, found: Set<string>): "all" | undefined {
  const tags: TemplateNode[] = [...template.nodes];
  for (const macro of template.macros.values()) {
    tags.push(...macro.body);
    for (const p of macro.params) if (p.default) tags.push({ kind: "out", expr: p.default });
  }
  for (const blocks of template.blocks.values()) tags.push(...blocks);
  const exprs: Node[] = [];
  while (tags.length) {
    const tag = tags.pop()!;
    if (tag.kind === "out" || tag.kind === "set") exprs.push(tag.expr);
    else if (tag.kind === "if") for (const b of tag.branches) exprs.push(b.cond), tags.push(...b.body);
    else if (tag.kind === "for") exprs.push(tag.iterable), tags.push(...tag.body);
    else if (tag.kind === "filter") exprs.push(tag.chain), tags.push(...tag.body);
    else if (tag.kind === "block") tags.push(...tag.body);
    if ((tag.kind === "if" || tag.kind === "for") && tag.otherwise) tags.push(...tag.otherwise);
  }
  while (exprs.length) {
    const node = exprs.pop()!;
    if (node.type === "call" && DYNAMIC_TEMPLATES.has(node.callee)) return "all";
    if (node.type === "member" && node.object.type === "name" && node.object.name === "outputs") {
      if (node.property.type !== "literal" || typeof node.property.value !== "string") return "all";
      found.add(node.property.value);
      continue;
    }
    if (node.type === "name" && WHOLE_CONTEXT.has(node.name)) return "all";
    exprs.push(...childrenOf(node));
  }
  return undefined;
}
