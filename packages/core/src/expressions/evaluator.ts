import type { Node } from "./ast.js";
import { ExpressionError, UndefinedError } from "./expression.error.js";
import { FILTERS, FUNCTIONS, type Callable } from "./filters.js";
import type { RenderBudget, RenderLimits } from "./render-limits.js";
import type { TemplateNode } from "./template.js";
import { compare, isEmpty, isTruthy, looseEquals, stringify, toNumber } from "./values.js";

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

/*
 * How deep each list or map a render made nests, so that `{% set x = [x] %}` in a loop stops
 * at maxDepth instead of growing a value too deep to print or compare. Values from outside
 * (inputs, outputs) count as one level: their own parsers bounded them.
 */
const nesting = new WeakMap<object, number>();
const nestingOf = (value: unknown): number => (value !== null && typeof value === "object" ? (nesting.get(value) ?? 1) : 0);
const deepest = (values: unknown[]) => values.reduce<number>((max, v) => Math.max(max, nestingOf(v)), 0);

/** a list or map literal: one level more than its deepest item */
function made<T extends object>(value: T, items: unknown[], scope: Scope, what: string): T {
  const depth = deepest(items) + 1;
  scope.budget.depth(depth, what);
  nesting.set(value, depth);
  return value;
}

/** a filter's or function's result: no deeper than what it was made from (no filter wraps) */
function derived<T>(value: T, from: unknown[]): T {
  if (value !== null && typeof value === "object") nesting.set(value, Math.max(nestingOf(value), deepest(from)));
  return value;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** `depth` is how deep the node sits in its template and expression, bounded by maxDepth. */
export async function evaluate(node: Node, scope: Scope, depth: number): Promise<unknown> {
  if (depth > scope.budget.limits.maxDepth) scope.budget.depth(depth, "the expression");
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
      return member(object, key, node);
    }
    case "call": {
      const own = scope.ctx.functions?.[node.callee];
      const builtin = FUNCTIONS[node.callee];
      if (!own && !builtin) throw new ExpressionError(`unknown function '${node.callee}'`);
      const { args, named } = await evaluateArgs(node.args, node.named, scope, inner);
      if (!own) return derived(await builtin(args, named, scope.budget), args);
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
        return derived(await filter(input, args, named, scope.budget), [input, ...args]);
      } catch (error) {
        if (error instanceof ExpressionError || scope.budget.isAbort(error)) throw error;
        throw new ExpressionError(`filter '${node.name}' failed: ${(error as Error).message}`, { cause: error });
      }
    }
    case "unary": {
      const value = await evaluate(node.operand, scope, inner);
      if (node.op === "not") return !isTruthy(value);
      const n = toNumber(value, `unary ${node.op}`);
      return node.op === "-" ? -n : n;
    }
    case "binary":
      return binary(node.op, node.left, node.right, scope, inner);
    case "test":
      return test(node, scope, inner);
    case "ternary":
      return isTruthy(await evaluate(node.cond, scope, inner)) ? evaluate(node.then, scope, inner) : evaluate(node.else, scope, inner);
    case "list": {
      const items = await Promise.all(node.items.map((item) => evaluate(item, scope, inner)));
      return made(items, items, scope, "a list");
    }
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) out[stringify(await evaluate(k, scope, inner))] = await evaluate(v, scope, inner);
      return made(out, Object.values(out), scope, "a map");
    }
  }
}

function member(object: unknown, key: unknown, node: Node): unknown {
  const describe = () => (node.type === "member" && node.property.type === "literal" ? String(node.property.value) : stringify(key));
  if (object === null || object === undefined) throw new UndefinedError(`cannot read '${describe()}' of null`);
  if (Array.isArray(object)) {
    if (key === "length" || key === "size") return object.length;
    const index = typeof key === "number" ? key : Number(key);
    if (Number.isInteger(index) && index >= 0 && index < object.length) return object[index];
    throw new UndefinedError(`index ${stringify(key)} is out of bounds`);
  }
  if (typeof object === "object") {
    const k = stringify(key);
    if (hasOwn(object, k)) return (object as Record<string, unknown>)[k];
    throw new UndefinedError(`key '${describe()}' does not exist`);
  }
  if (typeof object === "string" && (key === "length" || key === "size")) return object.length;
  throw new UndefinedError(`cannot read '${describe()}' of '${stringify(object)}'`);
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
  if (op === "and" || op === "&&") return isTruthy(await operand(leftNode)) && isTruthy(await operand(rightNode));
  if (op === "or" || op === "||") return isTruthy(await operand(leftNode)) || isTruthy(await operand(rightNode));
  const left = await operand(leftNode);
  const right = await operand(rightNode);
  switch (op) {
    case "==":
    case "equals":
      return looseEquals(left, right);
    case "!=":
      return !looseEquals(left, right);
    case "<":
      return compare(left, right) < 0;
    case ">":
      return compare(left, right) > 0;
    case "<=":
      return compare(left, right) <= 0;
    case ">=":
      return compare(left, right) >= 0;
    case "contains":
      return contains(left, right);
    case "in":
      return contains(right, left);
    case "not in":
      return !contains(right, left);
    case "~":
      return concat(left, right, scope, "~");
    case "..": {
      const from = toNumber(left, "..");
      const to = toNumber(right, "..");
      const size = to >= from ? Math.floor(to - from) + 1 : 0;
      scope.budget.collection(size, `${stringify(left)}..${stringify(right)}`);
      scope.budget.charge(size, `${stringify(left)}..${stringify(right)}`);
      const out: number[] = [];
      for (let i = from; i <= to; i++) out.push(i);
      return out;
    }
    case "+":
      if ((typeof left === "string" && Number.isNaN(Number(left))) || (typeof right === "string" && Number.isNaN(Number(right))))
        return concat(left, right, scope, "+");
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

function contains(container: unknown, item: unknown): boolean {
  if (typeof container === "string") return container.includes(stringify(item));
  if (Array.isArray(container)) {
    if (Array.isArray(item)) return item.every((i) => container.some((c) => looseEquals(c, i)));
    return container.some((c) => looseEquals(c, item));
  }
  if (container && typeof container === "object") return hasOwn(container, stringify(item));
  return false;
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
        result = isEmpty(value);
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
        const entries: Array<[unknown, unknown]> = Array.isArray(iterable)
          ? iterable.map((v, i) => [i, v])
          : iterable && typeof iterable === "object"
            ? Object.entries(iterable)
            : [];
        if (entries.length === 0 && node.otherwise) {
          await renderNodes(node.otherwise, scope, out, depth + 1);
          break;
        }
        const saved = new Map(scope.locals);
        const what = `the loop over '${node.item}'`;
        for (let i = 0; i < entries.length; i++) {
          const [k, v] = entries[i];
          if (node.key) {
            scope.locals.set(node.key, k);
            scope.locals.set(node.item, v);
          } else scope.locals.set(node.item, Array.isArray(iterable) ? v : k);
          scope.locals.set("loop", { index: i, first: i === 0, last: i === entries.length - 1, length: entries.length });
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
  for (const b of branches) if (isTruthy(await evaluate(b.cond, scope, depth))) return b.body;
  return undefined;
}
