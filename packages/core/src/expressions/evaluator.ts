import type { Node } from "./ast.js";
import { compare, contains, equals } from "./compare.js";
import { ExpressionError, UndefinedError } from "./expression.error.js";
import { FILTERS, FUNCTIONS, type Callable } from "./filters.js";
import { after, type Maybe } from "./maybe.js";
import { deepest, nestingOf, recordNesting } from "./nesting.js";
import type { RenderBudget, RenderLimits } from "./render-limits.js";
import type { TemplateNode } from "./template.js";
import { isEmpty, isNonNumericText, isTruthy, preview, toNumber } from "./values.js";

/** What a template sees: variables, plus functions that reach backends (kv, secret). */
export interface RenderContext {
  variables: Record<string, unknown>;
  functions?: Record<string, Callable>;
  /** tighter or looser limits than the process-wide ones (configureRenderLimits) */
  limits?: Partial<RenderLimits>;
  /** a task's abort signal: once aborted, a render stops, throwing the abort reason */
  signal?: AbortSignal;
}

export type Scope = { ctx: RenderContext; locals: Map<string, unknown>; budget: RenderBudget };

/** The pieces of one rendered string, whose total length is kept within maxOutputLength. */
export class Output {
  private readonly parts: string[] = [];
  private length = 0;
  constructor(private readonly budget: RenderBudget) {}
  push(text: string): void {
    this.budget.output(this.length + text.length, "the rendered template");
    this.parts.push(text);
    this.length += text.length;
  }
  toString(): string {
    return this.parts.join("");
  }
}

/** a list or map literal: one level more than its deepest item (see nesting.ts) */
function made<T extends object>(value: T, items: unknown[], scope: Scope, what: string): T {
  const depth = deepest(items) + 1;
  scope.budget.depth(depth, what);
  recordNesting(value, depth);
  return value;
}

/**
 * A built-in filter's or function's result: no deeper than what it was made from (no filter
 * wraps), and a string or list within maxOutputLength or maxCollectionSize however it was made
 * (maps are checked by the filters that make them: merge, fromJson, json).
 */
function derived<T>(value: T, from: unknown[], budget: RenderBudget, what: string): T {
  if (typeof value === "string") budget.output(value.length, what);
  else if (value !== null && typeof value === "object") {
    if (Array.isArray(value)) budget.collection(value.length, what);
    recordNesting(value, Math.max(nestingOf(value), deepest(from)));
  }
  return value;
}

/** a text as a key: printed within the budget, and a long one charged for the hashing */
function keyText(value: unknown, budget: RenderBudget, what: string): Maybe<string> {
  return after(budget.text(value, what), (text) => {
    budget.chars(text.length, what);
    return text;
  });
}

/** isTruthy, a long string charged for the trimming */
function truthy(value: unknown, budget: RenderBudget): boolean {
  if (typeof value === "string") budget.chars(value.length, "a condition");
  return isTruthy(value);
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** `depth` is how deep the node sits in its template and expression, bounded by maxDepth. */
export async function evaluate(node: Node, scope: Scope, depth: number): Promise<unknown> {
  if (depth > scope.budget.limits.maxDepth) scope.budget.depth(depth, "the expression");
  // every node is a point where a render that has spent YIELD_EVERY steps lets the event loop run
  if (scope.budget.due) await scope.budget.pause();
  const inner = depth + 1;
  switch (node.type) {
    case "literal":
      return node.value;
    case "name": {
      if (scope.locals.has(node.name)) return scope.locals.get(node.name);
      if (hasOwn(scope.ctx.variables, node.name)) return scope.ctx.variables[node.name];
      throw new UndefinedError(`variable '${node.name}' is not defined`);
    }
    case "member": {
      const object = await evaluate(node.object, scope, inner);
      const key = await evaluate(node.property, scope, inner);
      return member(object, key, node, scope.budget);
    }
    case "call": {
      const own = scope.ctx.functions?.[node.callee];
      const builtin = FUNCTIONS[node.callee];
      if (!own && !builtin) throw new ExpressionError(`unknown function '${node.callee}'`);
      const { args, named } = await evaluateArgs(node.args, node.named, scope, inner);
      if (!own) return derived(await builtin(args, named, scope.budget), args, scope.budget, `${node.callee}()`);
      const value = await own(args, named);
      // a backend call may have been slow, or the task aborted meanwhile
      scope.budget.check();
      return value;
    }
    case "filter": {
      if (node.name === "default") {
        const fallback = async () => (node.args[0] ? evaluate(node.args[0], scope, inner) : "");
        try {
          const value = await evaluate(node.input, scope, inner);
          return value === null || value === undefined || value === "" ? fallback() : value;
        } catch (error) {
          if (error instanceof UndefinedError) return fallback();
          throw error;
        }
      }
      const filter = FILTERS[node.name];
      if (!filter) throw new ExpressionError(`unknown filter '${node.name}'`);
      const input = await evaluate(node.input, scope, inner);
      const { args, named } = await evaluateArgs(node.args, node.named, scope, inner);
      try {
        return derived(await filter(input, args, named, scope.budget), [input, ...args], scope.budget, `filter '${node.name}'`);
      } catch (error) {
        if (error instanceof ExpressionError || scope.budget.isAbort(error)) throw error;
        throw new ExpressionError(`filter '${node.name}' failed: ${(error as Error).message}`, { cause: error });
      }
    }
    case "unary": {
      const value = await evaluate(node.operand, scope, inner);
      if (node.op === "not") return !truthy(value, scope.budget);
      const n = toNumber(value, `unary ${node.op}`);
      return node.op === "-" ? -n : n;
    }
    case "binary":
      return binary(node.op, node.left, node.right, scope, inner);
    case "test":
      return test(node, scope, inner);
    case "ternary":
      return truthy(await evaluate(node.cond, scope, inner), scope.budget) ? evaluate(node.then, scope, inner) : evaluate(node.else, scope, inner);
    case "list": {
      const items = await Promise.all(node.items.map((item) => evaluate(item, scope, inner)));
      return made(items, items, scope, "a list");
    }
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) {
        const key = keyText(await evaluate(k, scope, inner), scope.budget, "a map's key");
        out[key instanceof Promise ? await key : key] = await evaluate(v, scope, inner);
      }
      return made(out, Object.values(out), scope, "a map");
    }
  }
}

function member(object: unknown, key: unknown, node: Node, budget: RenderBudget): unknown {
  const describe = () => (node.type === "member" && node.property.type === "literal" ? String(node.property.value) : preview(key));
  if (object === null || object === undefined) throw new UndefinedError(`cannot read '${describe()}' of null`);
  if (Array.isArray(object)) {
    if (key === "length" || key === "size") return object.length;
    // a list or map is no index (Number() would print it to find out), nor is a very long string
    const index = typeof key === "object" && key !== null ? NaN : isNonNumericText(key) ? NaN : Number(key);
    if (Number.isInteger(index) && index >= 0 && index < object.length) return object[index];
    throw new UndefinedError(`index ${preview(key)} is out of bounds`);
  }
  if (typeof object === "object") {
    return after(keyText(key, budget, "a key"), (k) => {
      if (hasOwn(object, k)) return (object as Record<string, unknown>)[k];
      throw new UndefinedError(`key '${describe()}' does not exist`);
    });
  }
  if (typeof object === "string" && (key === "length" || key === "size")) return object.length;
  throw new UndefinedError(`cannot read '${describe()}' of '${preview(object)}'`);
}

async function evaluateArgs(argNodes: Node[], namedNodes: Record<string, Node>, scope: Scope, depth: number) {
  const args = await Promise.all(argNodes.map((a) => evaluate(a, scope, depth)));
  const named: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(namedNodes)) named[k] = await evaluate(v, scope, depth);
  return { args, named };
}

function concat(left: unknown, right: unknown, scope: Scope, op: string): string | Promise<string> {
  const what = `'${op}'`;
  const a = scope.budget.text(left, what);
  const b = scope.budget.text(right, what);
  const joined = (x: string, y: string) => {
    scope.budget.output(x.length + y.length, what);
    return x + y;
  };
  return typeof a === "string" && typeof b === "string" ? joined(a, b) : Promise.all([a, b]).then(([x, y]) => joined(x, y));
}

async function binary(op: string, leftNode: Node, rightNode: Node, scope: Scope, depth: number): Promise<unknown> {
  const operand = (n: Node) => evaluate(n, scope, depth);
  if (op === "??") {
    try {
      const left = await operand(leftNode);
      if (left !== null && left !== undefined) return left;
    } catch (error) {
      if (!(error instanceof UndefinedError)) throw error;
    }
    return operand(rightNode);
  }
  const { budget } = scope;
  if (op === "and" || op === "&&") return truthy(await operand(leftNode), budget) && truthy(await operand(rightNode), budget);
  if (op === "or" || op === "||") return truthy(await operand(leftNode), budget) || truthy(await operand(rightNode), budget);
  const left = await operand(leftNode);
  const right = await operand(rightNode);
  const what = `'${op}'`;
  switch (op) {
    case "==":
    case "equals":
      return equals(left, right, budget, what);
    case "!=":
      return after(equals(left, right, budget, what), (same) => !same);
    case "<":
      return after(compare(left, right, budget, what), (order) => order < 0);
    case ">":
      return after(compare(left, right, budget, what), (order) => order > 0);
    case "<=":
      return after(compare(left, right, budget, what), (order) => order <= 0);
    case ">=":
      return after(compare(left, right, budget, what), (order) => order >= 0);
    case "contains":
      return contains(left, right, budget, what);
    case "in":
      return contains(right, left, budget, what);
    case "not in":
      return after(contains(right, left, budget, what), (found) => !found);
    case "~":
      return concat(left, right, scope, "~");
    case "..": {
      const from = toNumber(left, "..");
      const to = toNumber(right, "..");
      const size = to >= from ? Math.floor(to - from) + 1 : 0;
      scope.budget.collection(size, `${from}..${to}`);
      scope.budget.charge(size, `${from}..${to}`);
      const out: number[] = [];
      for (let i = from; i <= to; i++) out.push(i);
      return out;
    }
    case "+":
      if (isNonNumericText(left) || isNonNumericText(right)) return concat(left, right, scope, "+");
      return toNumber(left, "+") + toNumber(right, "+");
    case "-":
      return toNumber(left, "-") - toNumber(right, "-");
    case "*":
      return toNumber(left, "*") * toNumber(right, "*");
    case "/": {
      const a = toNumber(left, "/");
      const b = toNumber(right, "/");
      if (b === 0) throw new ExpressionError("division by zero");
      // Pebble divides integers as integers (Long arithmetic)
      return Number.isInteger(a) && Number.isInteger(b) && typeof left === "number" && typeof right === "number" ? Math.trunc(a / b) : a / b;
    }
    case "//":
      return Math.floor(toNumber(left, "//") / toNumber(right, "//"));
    case "%":
      return toNumber(left, "%") % toNumber(right, "%");
  }
  throw new ExpressionError(`unknown operator '${op}'`);
}

async function test(node: Extract<Node, { type: "test" }>, scope: Scope, depth: number): Promise<boolean> {
  let result: boolean;
  if (node.test === "defined") {
    try {
      await evaluate(node.subject, scope, depth);
      result = true;
    } catch (error) {
      if (!(error instanceof UndefinedError)) throw error;
      result = false;
    }
  } else {
    const value = await evaluate(node.subject, scope, depth);
    switch (node.test) {
      case "null":
        result = value === null || value === undefined;
        break;
      case "empty":
        // a map has no cheaper way to tell than listing its keys
        result = value !== null && typeof value === "object" && !Array.isArray(value) ? scope.budget.keys(value, "empty").length === 0 : isEmpty(value);
        break;
      case "even":
        result = toNumber(value, "even") % 2 === 0;
        break;
      case "odd":
        result = Math.abs(toNumber(value, "odd") % 2) === 1;
        break;
      case "iterable":
        result = Array.isArray(value);
        break;
      case "map":
        result = value !== null && typeof value === "object" && !Array.isArray(value);
        break;
      default:
        throw new ExpressionError(`unknown test '${node.test}'`);
    }
  }
  return node.negated ? !result : result;
}

/** Renders template nodes into `out`; `depth` is how deep they sit in `if` and `for` tags. */
export async function renderNodes(nodes: TemplateNode[], scope: Scope, out: Output, depth: number): Promise<void> {
  scope.budget.depth(depth, "the template");
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        out.push(node.text);
        break;
      case "out": {
        const text = scope.budget.text(await evaluate(node.expr, scope, depth));
        out.push(typeof text === "string" ? text : await text);
        break;
      }
      case "set":
        scope.locals.set(node.name, await evaluate(node.expr, scope, depth));
        break;
      case "if": {
        const branch = await findBranch(node.branches, scope, depth);
        if (branch) await renderNodes(branch, scope, out, depth + 1);
        else if (node.otherwise) await renderNodes(node.otherwise, scope, out, depth + 1);
        break;
      }
      case "for": {
        const iterable = await evaluate(node.iterable, scope, depth);
        const what = `the loop over '${node.item}'`;
        // a list by index, a map by its keys (each value looked up when its turn comes)
        const list = Array.isArray(iterable) ? iterable : undefined;
        const keys = list ? undefined : iterable && typeof iterable === "object" ? scope.budget.keys(iterable, what) : [];
        const length = list ? list.length : keys!.length;
        if (length === 0 && node.otherwise) {
          await renderNodes(node.otherwise, scope, out, depth + 1);
          break;
        }
        const saved = new Map(scope.locals);
        for (let i = 0; i < length; i++) {
          const k = list ? i : keys![i];
          const v = list ? list[i] : (iterable as Record<string, unknown>)[keys![i]];
          if (node.key) {
            scope.locals.set(node.key, k);
            scope.locals.set(node.item, v);
          } else scope.locals.set(node.item, list ? v : k);
          scope.locals.set("loop", { index: i, first: i === 0, last: i === length - 1, length });
          const pause = scope.budget.step(1, what);
          if (pause) await pause;
          await renderNodes(node.body, scope, out, depth + 1);
        }
        scope.locals = saved;
        break;
      }
    }
  }
}

async function findBranch(branches: Array<{ cond: Node; body: TemplateNode[] }>, scope: Scope, depth: number) {
  for (const b of branches) if (truthy(await evaluate(b.cond, scope, depth), scope.budget)) return b.body;
  return undefined;
}
