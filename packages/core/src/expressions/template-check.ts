import type { Node } from "./ast.js";
import { FILTERS, FUNCTIONS } from "./filters.js";
import type { TemplateNode } from "./template.js";

/**
 * Names a template may use beyond the built-in filters and functions: what the engine puts in
 * every render context (`secret()` on workers and triggers, `kv()` on workers), `default`
 * (evaluated lazily by the evaluator itself), and the tests the evaluator knows.
 */
export const CONTEXT_FUNCTIONS = ["secret", "kv"] as const;
const LAZY_FILTERS = ["default"];
export const TESTS = ["defined", "null", "empty", "even", "odd", "iterable", "map"] as const;

const filters = new Set([...Object.keys(FILTERS), ...LAZY_FILTERS]);
const functions = new Set<string>([...Object.keys(FUNCTIONS), ...CONTEXT_FUNCTIONS]);
const tests = new Set<string>(TESTS);

/**
 * What a parsed template names that nothing would answer when it renders: an unknown filter,
 * function or test. Checked at deploy, so a typo is a 422 on its line, not a failed run.
 */
export function unknownNames(nodes: TemplateNode[]): string[] {
  const problems = new Set<string>();
  const visit = (node: Node): void => {
    switch (node.type) {
      case "literal":
      case "name":
        return;
      case "member":
        visit(node.object);
        return visit(node.property);
      case "call":
        if (!functions.has(node.callee)) problems.add(`unknown function '${node.callee}' (known: ${[...functions].sort().join(", ")})`);
        node.args.forEach(visit);
        return Object.values(node.named).forEach(visit);
      case "filter":
        if (!filters.has(node.name)) problems.add(`unknown filter '${node.name}' (known: ${[...filters].sort().join(", ")})`);
        visit(node.input);
        node.args.forEach(visit);
        return Object.values(node.named).forEach(visit);
      case "unary":
        return visit(node.operand);
      case "binary":
        visit(node.left);
        return visit(node.right);
      case "test":
        if (!tests.has(node.test)) problems.add(`unknown test '${node.test}' (known: ${[...tests].join(", ")})`);
        visit(node.subject);
        return node.args.forEach(visit);
      case "ternary":
        visit(node.cond);
        visit(node.then);
        return visit(node.else);
      case "list":
        return node.items.forEach(visit);
      case "map":
        for (const [key, value] of node.entries) {
          visit(key);
          visit(value);
        }
    }
  };
  const walk = (list: TemplateNode[]): void => {
    for (const node of list) {
      if (node.kind === "out" || node.kind === "set") visit(node.expr);
      else if (node.kind === "if") {
        for (const branch of node.branches) {
          visit(branch.cond);
          walk(branch.body);
        }
        if (node.otherwise) walk(node.otherwise);
      } else if (node.kind === "for") {
        visit(node.iterable);
        walk(node.body);
        if (node.otherwise) walk(node.otherwise);
      }
    }
  };
  walk(nodes);
  return [...problems];
}
