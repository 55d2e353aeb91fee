import { argumentProblem } from "./argument-names.js";
import { childrenOf, type Node } from "./ast.js";
import { FILTERS, FUNCTIONS } from "./filters.js";
import { SCOPED_FUNCTIONS } from "./scoped-functions.js";
import type { Template, TemplateNode } from "./template.js";
import { TESTS } from "./tests.js";

export { TESTS };

/**
 * Names a template may use beyond the built-in filters and functions: what the engine puts in
 * every render context (`secret()` on workers and triggers, `connection()` and `kv()` on workers, the file
 * functions and `errorLogs()`; `subflow()`, for an input's templates), the filters the evaluator answers itself (`default`, lazily;
 * `className`, from the node), and the tests the evaluator knows.
 */
export const CONTEXT_FUNCTIONS = ["secret", "connection", "kv", "read", "fileURI", "fileExists", "fileSize", "isFileEmpty", "fileEmpty", "errorLogs", "tasksWithState", "subflow"] as const;
const EVALUATOR_FILTERS = ["default", "className"];

/** functions Kestra has that Ferry does not do yet, refused with that said rather than as unknown */
const NOT_YET: Record<string, string> = {
  i18n: "i18n() is not supported by Ferry yet (no resource bundles)",
  credential: "credential() is a Kestra Enterprise Edition function (managed credentials): not supported",
  appLink: "appLink() is a Kestra Enterprise Edition function (Kestra Apps): not supported",
};

const filters = new Set([...Object.keys(FILTERS), ...EVALUATOR_FILTERS]);
const functions = new Set<string>([...Object.keys(FUNCTIONS), ...Object.keys(SCOPED_FUNCTIONS), ...CONTEXT_FUNCTIONS]);
const tests = new Set<string>(TESTS);

/**
 * What a parsed template names that nothing would answer when it renders: an unknown filter,
 * function or test. Checked at deploy, so a typo is a 422 on its line, not a failed run.
 */
export function unknownNames(template: Template | TemplateNode[]): string[] {
  const nodes = Array.isArray(template) ? template : template.nodes;
  const macros = Array.isArray(template) ? new Map() : template.macros;
  const problems = new Set<string>();
  // an explicit stack, in the order a recursive walk would visit (so problems keep their order):
  // however deep a template or an expression is, the walk cannot overflow the call stack
  type Item = { expr: Node } | { tag: TemplateNode };
  const stack: Item[] = [];
  const push = (items: Item[]) => {
    for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
  };
  const tags = (list: TemplateNode[]): Item[] => list.map((tag) => ({ tag }));
  push(tags(nodes));
  while (stack.length) {
    const item = stack.pop()!;
    if ("expr" in item) {
      const node = item.expr;
      if (node.type === "call" && !functions.has(node.callee) && !macros.has(node.callee)) {
        problems.add(NOT_YET[node.callee] ?? `unknown function '${node.callee}' (known: ${[...functions].sort().join(", ")})`);
      }
      if (node.type === "filter" && !filters.has(node.name)) problems.add(`unknown filter '${node.name}' (known: ${[...filters].sort().join(", ")})`);
      const wrong =
        node.type === "filter" ? argumentProblem("filter", node.name, node.args.length, Object.keys(node.named))
        : node.type === "call" && !macros.has(node.callee) ? argumentProblem("function", node.callee, node.args.length, Object.keys(node.named))
        : undefined;
      if (wrong) problems.add(wrong);
      if (node.type === "test" && !tests.has(node.test)) problems.add(`unknown test '${node.test}' (known: ${[...tests].join(", ")})`);
      push(childrenOf(node).map((expr) => ({ expr })));
      continue;
    }
    const tag = item.tag;
    if (tag.kind === "out" || tag.kind === "set") push([{ expr: tag.expr }]);
    else if (tag.kind === "if") push([...tag.branches.flatMap((b) => [{ expr: b.cond }, ...tags(b.body)]), ...tags(tag.otherwise ?? [])]);
    else if (tag.kind === "for") push([{ expr: tag.iterable }, ...tags(tag.body), ...tags(tag.otherwise ?? [])]);
    else if (tag.kind === "filter") push([{ expr: tag.chain }, ...tags(tag.body)]);
    else if (tag.kind === "block") push(tags(tag.body));
    else if (tag.kind === "macro") {
      const macro = macros.get(tag.name);
      if (macro) push([...macro.params.flatMap((p: { default?: Node }) => (p.default ? [{ expr: p.default }] : [])), ...tags(macro.body)]);
    }
  }
  return [...problems];
}
