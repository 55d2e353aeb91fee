import type { Node } from "./ast.js";
import { ExpressionError, UndefinedError } from "./expression.error.js";
import { FILTERS, FUNCTIONS, type Callable } from "./filters.js";
import type { TemplateNode } from "./template.js";
import { compare, isEmpty, isTruthy, looseEquals, stringify, toNumber } from "./values.js";

/** What a template sees: variables, plus functions that reach backends (kv, secret). */
export interface RenderContext {
  variables: Record<string, unknown>;
  functions?: Record<string, Callable>;
}

type Scope = { ctx: RenderContext; locals: Map<string, unknown> };

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export async function evaluate(node: Node, scope: Scope): Promise<unknown> {
  switch (node.type) {
    case "literal":
      return node.value;
    case "name": {
      if (scope.locals.has(node.name)) return scope.locals.get(node.name);
      if (hasOwn(scope.ctx.variables, node.name)) return scope.ctx.variables[node.name];
      throw new UndefinedError(`variable '${node.name}' is not defined`);
    }
    case "member": {
      const object = await evaluate(node.object, scope);
      const key = await evaluate(node.property, scope);
      return member(object, key, node);
    }
    case "call": {
      const fn = scope.ctx.functions?.[node.callee] ?? FUNCTIONS[node.callee];
      if (!fn) throw new ExpressionError(`unknown function '${node.callee}'`);
      const { args, named } = await evaluateArgs(node.args, node.named, scope);
      return fn(args, named);
    }
    case "filter": {
      if (node.name === "default") {
        const fallback = async () => (node.args[0] ? evaluate(node.args[0], scope) : "");
        try {
          const value = await evaluate(node.input, scope);
          return value === null || value === undefined || value === "" ? fallback() : value;
        } catch (error) {
          if (error instanceof UndefinedError) return fallback();
          throw error;
        }
      }
      const filter = FILTERS[node.name];
      if (!filter) throw new ExpressionError(`unknown filter '${node.name}'`);
      const input = await evaluate(node.input, scope);
      const { args, named } = await evaluateArgs(node.args, node.named, scope);
      try {
        return await filter(input, args, named);
      } catch (error) {
        if (error instanceof ExpressionError) throw error;
        throw new ExpressionError(`filter '${node.name}' failed: ${(error as Error).message}`, { cause: error });
      }
    }
    case "unary": {
      const value = await evaluate(node.operand, scope);
      if (node.op === "not") return !isTruthy(value);
      const n = toNumber(value, `unary ${node.op}`);
      return node.op === "-" ? -n : n;
    }
    case "binary":
      return binary(node.op, node.left, node.right, scope);
    case "test":
      return test(node, scope);
    case "ternary":
      return isTruthy(await evaluate(node.cond, scope)) ? evaluate(node.then, scope) : evaluate(node.else, scope);
    case "list":
      return Promise.all(node.items.map((item) => evaluate(item, scope)));
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) out[stringify(await evaluate(k, scope))] = await evaluate(v, scope);
      return out;
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

async function evaluateArgs(argNodes: Node[], namedNodes: Record<string, Node>, scope: Scope) {
  const args = await Promise.all(argNodes.map((a) => evaluate(a, scope)));
  const named: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(namedNodes)) named[k] = await evaluate(v, scope);
  return { args, named };
}

async function binary(op: string, leftNode: Node, rightNode: Node, scope: Scope): Promise<unknown> {
  if (op === "??") {
    try {
      const left = await evaluate(leftNode, scope);
      if (left !== null && left !== undefined) return left;
    } catch (error) {
      if (!(error instanceof UndefinedError)) throw error;
    }
    return evaluate(rightNode, scope);
  }
  if (op === "and" || op === "&&") return isTruthy(await evaluate(leftNode, scope)) && isTruthy(await evaluate(rightNode, scope));
  if (op === "or" || op === "||") return isTruthy(await evaluate(leftNode, scope)) || isTruthy(await evaluate(rightNode, scope));
  const left = await evaluate(leftNode, scope);
  const right = await evaluate(rightNode, scope);
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
      return stringify(left) + stringify(right);
    case "..": {
      const out: number[] = [];
      for (let i = toNumber(left, ".."); i <= toNumber(right, ".."); i++) out.push(i);
      return out;
    }
    case "+":
      if ((typeof left === "string" && Number.isNaN(Number(left))) || (typeof right === "string" && Number.isNaN(Number(right))))
        return stringify(left) + stringify(right);
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

async function test(node: Extract<Node, { type: "test" }>, scope: Scope): Promise<boolean> {
  let result: boolean;
  if (node.test === "defined") {
    try {
      await evaluate(node.subject, scope);
      result = true;
    } catch (error) {
      if (!(error instanceof UndefinedError)) throw error;
      result = false;
    }
  } else {
    const value = await evaluate(node.subject, scope);
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

export async function renderNodes(nodes: TemplateNode[], scope: Scope, out: string[]): Promise<void> {
  for (const node of nodes) {
    switch (node.kind) {
      case "text":
        out.push(node.text);
        break;
      case "out":
        out.push(stringify(await evaluate(node.expr, scope)));
        break;
      case "set":
        scope.locals.set(node.name, await evaluate(node.expr, scope));
        break;
      case "if": {
        const branch = await findBranch(node.branches, scope);
        if (branch) await renderNodes(branch, scope, out);
        else if (node.otherwise) await renderNodes(node.otherwise, scope, out);
        break;
      }
      case "for": {
        const iterable = await evaluate(node.iterable, scope);
        const entries: Array<[unknown, unknown]> = Array.isArray(iterable)
          ? iterable.map((v, i) => [i, v])
          : iterable && typeof iterable === "object"
            ? Object.entries(iterable)
            : [];
        if (entries.length === 0 && node.otherwise) {
          await renderNodes(node.otherwise, scope, out);
          break;
        }
        const saved = new Map(scope.locals);
        for (let i = 0; i < entries.length; i++) {
          const [k, v] = entries[i];
          if (node.key) {
            scope.locals.set(node.key, k);
            scope.locals.set(node.item, v);
          } else scope.locals.set(node.item, Array.isArray(iterable) ? v : k);
          scope.locals.set("loop", { index: i, first: i === 0, last: i === entries.length - 1, length: entries.length });
          await renderNodes(node.body, scope, out);
        }
        scope.locals = saved;
        break;
      }
    }
  }
}

async function findBranch(branches: Array<{ cond: Node; body: TemplateNode[] }>, scope: Scope) {
  for (const b of branches) if (isTruthy(await evaluate(b.cond, scope))) return b.body;
  return undefined;
}
