import { JavaDouble } from "@ferry/sdk";
import { argumentProblem } from "./argument-names.js";
import { arithmetic, negate } from "./arithmetic.js";
import type { Node } from "./ast.js";
import { compare, contains, equals, isIn } from "./compare.js";
import { ExpressionError, undefinedError, UndefinedError } from "./expression.error.js";
import { FILTERS, FUNCTIONS, type Callable } from "./filters.js";
import { Entry, javaString } from "./java-text.js";
import { after, type Maybe } from "./maybe.js";
import { deepest, nestingOf, recordNesting } from "./nesting.js";
import type { RenderBudget, RenderLimits } from "./render-limits.js";
import { SCOPED_FUNCTIONS, typeOfFiltered } from "./scoped-functions.js";
import { runTest } from "./tests.js";
import type { Template } from "./template.js";
import { isBlank, isTruthy, preview } from "./values.js";

/** What a template sees: variables, plus functions that reach backends (kv, secret, read…). */
export interface RenderContext {
  variables: Record<string, unknown>;
  functions?: Record<string, Callable>;
  /** tighter or looser limits than the process-wide ones (configureRenderLimits) */
  limits?: Partial<RenderLimits>;
  /** a task's abort signal: once aborted, a render stops, throwing the abort reason */
  signal?: AbortSignal;
}

export type Scope = {
  ctx: RenderContext;
  locals: Map<string, unknown>;
  budget: RenderBudget;
  /** the template being rendered: its macros and blocks */
  template?: Template;
  /**
   * set while render() renders a value again: raw blocks keep their tags (so that a later pass
   * leaves them alone, as Kestra's VariableRenderer does), and secrets print as placeholders
   * put back once the passes are done, so a secret's text is never rendered as a template
   */
  protect?: Map<string, string>;
  /** how many render() calls deep this render is (MAX_RENDER_DEPTH) */
  renderDepth?: number;
};

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
export function derived<T>(value: T, from: unknown[], budget: RenderBudget, what: string): T {
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
export function truthy(value: unknown, budget: RenderBudget): boolean {
  if (typeof value === "string") budget.chars(value.length, "a condition");
  return isTruthy(value);
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** what a name reads: a local (set, loop, macro argument), a variable, or `_context` (all of them) */
function lookup(name: string, scope: Scope): unknown {
  if (scope.locals.has(name)) return scope.locals.get(name);
  if (hasOwn(scope.ctx.variables, name)) return scope.ctx.variables[name];
  if (name === "_context") return { ...scope.ctx.variables, ...Object.fromEntries(scope.locals) };
  throw undefinedError(`variable '${name}' is not defined`, name);
}

/**
 * A literal's value or a name's at once, anything else evaluated: the hot path of a cached
 * template (`inputs.name`, `'x'`) spends no promise on what needs no waiting.
 */
function quick(node: Node, scope: Scope, depth: number): Maybe<unknown> {
  if (node.type === "literal") return node.value;
  if (node.type === "name") return lookup(node.name, scope);
  return evaluate(node, scope, depth);
}

/** `depth` is how deep the node sits in its template and expression, bounded by maxDepth. */
export async function evaluate(node: Node, scope: Scope, depth: number): Promise<unknown> {
  if (depth > scope.budget.limits.maxDepth) scope.budget.depth(depth, "the expression");
  // every node is a point where a render that has spent YIELD_EVERY steps lets the event loop run
  if (scope.budget.due) await scope.budget.pause();
  const inner = depth + 1;
  switch (node.type) {
    case "literal":
      return node.value;
    case "name":
      return lookup(node.name, scope);
    case "member": {
      let object = quick(node.object, scope, inner);
      if (object instanceof Promise) object = await object;
      let key = quick(node.property, scope, inner);
      if (key instanceof Promise) key = await key;
      return member(object, key, node, scope.budget);
    }
    case "call":
      return call(node, scope, inner);
    case "filter":
      return filter(node, scope, inner);
    case "unary": {
      const value = await evaluate(node.operand, scope, inner);
      if (node.op === "not") return !truthy(value, scope.budget);
      return negate(value, node.op);
    }
    case "binary":
      return binary(node, scope, inner);
    case "test":
      return runTest(node, scope, inner);
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
        const name = key instanceof Promise ? await key : key;
        const value = await evaluate(v, scope, inner);
        // defined, not assigned: a '__proto__' key is a key
        Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      }
      return made(out, Object.values(out), scope, "a map");
    }
    case "concat": {
      let text = "";
      for (const part of node.parts) text = concat(text, await evaluate(part, scope, inner), scope.budget, "a string's #{…}");
      return text;
    }
  }
}

async function call(node: Extract<Node, { type: "call" }>, scope: Scope, depth: number): Promise<unknown> {
  const own = scope.ctx.functions?.[node.callee];
  const builtin = FUNCTIONS[node.callee];
  const scoped = SCOPED_FUNCTIONS[node.callee];
  const macro = scope.template?.macros.get(node.callee);
  if (!own && !builtin && !scoped && !macro) throw new ExpressionError(`unknown function '${node.callee}'`);
  checkArguments(node.args, node.named, macro ? undefined : "function", node.callee);
  const { args, named } = await evaluateArgs(node.args, node.named, scope, depth, !macro);
  if (own) {
    const value = await own(args, named, { variables: scope.ctx.variables, remainingMs: scope.budget.remainingMs(), maxOutputLength: scope.budget.limits.maxOutputLength });
    // a backend call may have been slow, or the task aborted meanwhile
    scope.budget.check();
    if (node.callee === "secret" && typeof value === "string") scope.budget.secrets.add(value);
    return derived(value, args, scope.budget, `${node.callee}()`);
  }
  if (builtin) return derived(await builtin(args, named, scope.budget), args, scope.budget, `${node.callee}()`);
  if (scoped) return scoped(args, named, scope, depth);
  return callMacro(macro!, args, named, scope, depth);
}

/** a macro's output: its body rendered with its arguments only, as Pebble's macros see nothing else */
async function callMacro(macro: NonNullable<Template["macros"]> extends Map<string, infer M> ? M : never, args: unknown[], named: Record<string, unknown>, scope: Scope, depth: number): Promise<string> {
  if (args.length > macro.params.length) throw new ExpressionError(`macro '${macro.name}' takes ${macro.params.length} arguments, got ${args.length}`);
  const locals = new Map<string, unknown>();
  const defaults = { ...scope, locals: new Map<string, unknown>() };
  for (const [i, param] of macro.params.entries()) {
    if (i < args.length) locals.set(param.name, args[i]);
    else if (hasOwn(named, param.name)) locals.set(param.name, named[param.name]);
    else locals.set(param.name, param.default ? await evaluate(param.default, defaults, depth) : null);
  }
  for (const key of Object.keys(named)) if (!macro.params.some((p) => p.name === key)) throw new ExpressionError(`macro '${macro.name}' has no argument '${key}'`);
  const out = new Output(scope.budget);
  await renderNodes(macro.body, { ...scope, ctx: { ...scope.ctx, variables: {} }, locals }, out, depth + 1);
  return out.toString();
}

async function filter(node: Extract<Node, { type: "filter" }>, scope: Scope, depth: number): Promise<unknown> {
  if (node.name === "default") {
    const fallback = async () => (node.args[0] ? evaluate(node.args[0], scope, depth) : null);
    try {
      const value = await evaluate(node.input, scope, depth);
      return isBlank(value) ? fallback() : value;
    } catch (error) {
      if (error instanceof UndefinedError) return fallback();
      throw error;
    }
  }
  let input = quick(node.input, scope, depth);
  if (input instanceof Promise) input = await input;
  // the Java class of the input: what the node that made it says, else what its value suggests
  if (node.name === "className") return typeOfFiltered(node.input, input);
  const f = FILTERS[node.name];
  if (!f) throw new ExpressionError(`unknown filter '${node.name}'`);
  // filters that compute read a Double's number; those that print or keep it see the Double
  if (input instanceof JavaDouble && !DOUBLE_FILTERS.has(node.name)) input = input.value;
  checkArguments(node.args, node.named, "filter", node.name);
  const { args, named } = await evaluateArgs(node.args, node.named, scope, depth);
  try {
    return derived(await f(input, args, named, scope.budget), [input, ...args], scope.budget, `filter '${node.name}'`);
  } catch (error) {
    if (error instanceof ExpressionError || scope.budget.isAbort(error)) throw error;
    throw new ExpressionError(`filter '${node.name}' failed: ${(error as Error).message}`, { cause: error });
  }
}

/** the filters that print a Double as Java does (`6.0`) or return it as a Double */
const DOUBLE_FILTERS = new Set(["string", "toJson", "json", "yaml", "toIon", "abs"]);

const unbox = (value: unknown): unknown => (value instanceof JavaDouble ? value.value : value);

function member(object: unknown, key: unknown, node: Node, budget: RenderBudget): unknown {
  const describe = () => (node.type === "member" && node.property.type === "literal" ? String(node.property.value) : preview(key));
  if (object === null || object === undefined) throw undefinedError(`cannot read '${describe()}' of null`, describe());
  if (Array.isArray(object)) {
    if (key === "length" || key === "size") return object.length;
    // a list or map is no index (Number() would print it to find out), nor is a very long string
    const index = typeof key === "object" && key !== null ? NaN : typeof key === "string" && key.length > 20 ? NaN : Number(key);
    if (Number.isInteger(index) && index >= 0 && index < object.length) return object[index];
    throw undefinedError(`index ${preview(key)} is out of bounds`, preview(key));
  }
  if (typeof object === "object") {
    return after(keyText(key, budget, "a key"), (k) => {
      if (hasOwn(object, k)) return (object as Record<string, unknown>)[k];
      throw undefinedError(`key '${describe()}' does not exist`, describe());
    });
  }
  if (typeof object === "string" && (key === "length" || key === "size")) return object.length;
  throw undefinedError(`cannot read '${describe()}' of '${preview(object)}'`, describe());
}

/** named arguments the filter or function does not take, refused as Pebble refuses them (a template from render() is not checked at deploy) */
function checkArguments(args: Node[], named: Record<string, Node>, kind: "filter" | "function" | undefined, name: string): void {
  if (!kind) return;
  const names = Object.keys(named);
  if (names.length === 0 && args.length === 0) return;
  const problem = argumentProblem(kind, name, args.length, names);
  if (problem) throw new ExpressionError(problem);
}

const NO_ARGS: { args: unknown[]; named: Record<string, unknown> } = Object.freeze({ args: Object.freeze([]) as unknown as unknown[], named: Object.freeze({}) });

/** `numbers`: a Double argument is read as its number (`round(2.0)`), as a filter or a function computes with it; a macro keeps it */
async function evaluateArgs(argNodes: Node[], namedNodes: Record<string, Node>, scope: Scope, depth: number, numbers = true) {
  const read = numbers ? unbox : (value: unknown) => value;
  const names = Object.keys(namedNodes);
  if (argNodes.length === 0 && names.length === 0) return NO_ARGS;
  const args: unknown[] = new Array(argNodes.length);
  for (let i = 0; i < argNodes.length; i++) {
    const value = quick(argNodes[i], scope, depth);
    args[i] = read(value instanceof Promise ? await value : value);
  }
  const named: Record<string, unknown> = {};
  for (const k of names) {
    const value = quick(namedNodes[k], scope, depth);
    named[k] = read(value instanceof Promise ? await value : value);
  }
  return { args, named };
}

/** Java's toString of each side, joined within the budget (`~`, `+` with a string, interpolation) */
function concat(left: unknown, right: unknown, budget: RenderBudget, what: string, nullAs = ""): string {
  const text = (v: unknown) => {
    if (v === null || v === undefined) return nullAs;
    if (typeof v === "string") return v;
    // a list or map: measured (size, depth) before it is printed
    if (typeof v === "object") budget.json(v, what);
    return javaString(v, budget.limits.maxOutputLength + 1);
  };
  const a = text(left);
  const b = text(right);
  budget.output(a.length + b.length, what);
  return a + b;
}

async function binary(node: Extract<Node, { type: "binary" }>, scope: Scope, depth: number): Promise<unknown> {
  const { op } = node;
  const operand = (n: Node) => quick(n, scope, depth);
  if (op === "??" || op === "???") {
    try {
      const left = await operand(node.left);
      // `??` skips null too; `???` only what is not defined
      if (op === "???" || (left !== null && left !== undefined)) return left;
    } catch (error) {
      if (!(error instanceof UndefinedError)) throw error;
    }
    return operand(node.right);
  }
  const { budget } = scope;
  if (op === "and" || op === "&&") return truthy(await operand(node.left), budget) && truthy(await operand(node.right), budget);
  if (op === "or" || op === "||") return truthy(await operand(node.left), budget) || truthy(await operand(node.right), budget);
  const left = await operand(node.left);
  const right = await operand(node.right);
  const what = `'${op}'`;
  switch (op) {
    case "==":
    case "equals":
      return equals(left, right, budget, what);
    case "!=":
      return after(equals(left, right, budget, what), (same) => !same);
    case "<":
      return compare(left, right, budget, what) < 0;
    case ">":
      return compare(left, right, budget, what) > 0;
    case "<=":
      return compare(left, right, budget, what) <= 0;
    case ">=":
      return compare(left, right, budget, what) >= 0;
    case "contains":
      return contains(left, right, budget, what);
    case "in":
      return isIn(left, right, budget, what);
    case "not in":
      return !(await isIn(left, right, budget, what));
    case "~":
      return concat(left, right, budget, what);
    case "..":
      return range(left, right, budget);
    case "+":
      if (typeof left === "string" || typeof right === "string") return concat(left, right, budget, what, "null");
      if (Array.isArray(left)) return addToList(left, right, scope);
      return arithmetic(op, left, right);
    case "-":
      if (Array.isArray(left)) return removeFromList(left, right, scope);
      return arithmetic(op, left, right);
    case "*":
    case "/":
    case "%":
      return arithmetic(op, left, right);
  }
  throw new ExpressionError(`unknown operator '${op}'`);
}

function range(left: unknown, right: unknown, budget: RenderBudget): number[] {
  left = unbox(left);
  right = unbox(right);
  if (typeof left !== "number" || typeof right !== "number") throw new ExpressionError(`'..' needs two numbers, got '${preview(left)}' and '${preview(right)}'`);
  const size = right >= left ? Math.floor(right - left) + 1 : 0;
  budget.collection(size, `${left}..${right}`);
  budget.charge(size, `${left}..${right}`);
  const out: number[] = [];
  for (let i = left; i <= right; i++) out.push(i);
  return out;
}

// Pebble's list `+` (undocumented, kept by Pebble): a list appends an element, or every element of a list
function addToList(list: unknown[], more: unknown, scope: Scope): unknown[] {
  const extra = Array.isArray(more) ? more : [more];
  scope.budget.collection(list.length + extra.length, "'+'");
  scope.budget.charge(list.length + extra.length, "'+'");
  return made([...list, ...extra], [...list, ...extra], scope, "'+'");
}

// and `-`: a list loses every element of a list (removeAll), or the first element equal to a value (remove)
async function removeFromList(list: unknown[], less: unknown, scope: Scope): Promise<unknown[]> {
  const gone = Array.isArray(less) ? less : [less];
  const out: unknown[] = [];
  let removed = false;
  for (const item of list) {
    let found = false;
    if (Array.isArray(less) || !removed) for (const g of gone) if (!found && (await equals(item, g, scope.budget, "'-'"))) found = true;
    if (found) removed = true;
    else out.push(item);
    scope.budget.charge(gone.length, "'-'");
  }
  return out;
}

/** Renders template nodes into `out`; `depth` is how deep they sit in tags. */
export async function renderNodes(nodes: Template["nodes"], scope: Scope, out: Output, depth: number): Promise<void> {
  scope.budget.depth(depth, "the template");
  let current: Template["nodes"][number] | undefined;
  try {
    for (const node of nodes) {
      current = node;
      switch (node.kind) {
        case "text":
          out.push(node.text);
          break;
        case "raw":
          out.push(scope.protect ? node.source : node.text);
          break;
        case "out": {
          let value = quick(node.expr, scope, depth);
          if (value instanceof Promise) value = await value;
          const text = printed(value, scope);
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
        case "for":
          await renderFor(node, scope, out, depth);
          break;
        case "filter": {
          const body = new Output(scope.budget);
          await renderNodes(node.body, scope, body, depth + 1);
          const locals = new Map(scope.locals).set(FILTER_BODY_NAME, body.toString());
          const text = printed(await evaluate(node.chain, { ...scope, locals }, depth), scope);
          out.push(typeof text === "string" ? text : await text);
          break;
        }
        case "block":
          await renderNodes(node.body, scope, out, depth + 1);
          break;
        case "macro":
          break;
      }
    }
  } catch (error) {
    // a missing name or key is placed on the line of the tag that read it (the innermost tag sets it first)
    if (error instanceof UndefinedError && error.line === undefined && current && "line" in current) error.line = current.line;
    throw error;
  }
}

// the filter tag's input (template.ts FILTER_BODY), repeated here to keep this file free of a cycle
const FILTER_BODY_NAME = "\u0000filter-body";

/** a value as it prints (a Double keeps Java's `.0`); a secret inside render() is a placeholder */
function printed(value: unknown, scope: Scope): Maybe<string> {
  if (typeof value === "string") {
    if (scope.protect && scope.budget.secrets.has(value) && /\{[{%#]/.test(value)) {
      const mark = `\u0000secret-${scope.protect.size}\u0000`;
      scope.protect.set(mark, value);
      return mark;
    }
    return value;
  }
  return scope.budget.text(value);
}

async function renderFor(node: Extract<Template["nodes"][number], { kind: "for" }>, scope: Scope, out: Output, depth: number): Promise<void> {
  const iterable = await evaluate(node.iterable, scope, depth);
  const what = `the loop over '${node.item}'`;
  // a list by index, a map by its entries (each value looked up when its turn comes)
  const list = Array.isArray(iterable) ? iterable : undefined;
  const map = !list && iterable !== null && typeof iterable === "object" ? (iterable as Record<string, unknown>) : undefined;
  const keys = map ? scope.budget.keys(map, what) : undefined;
  const length = list ? list.length : (keys?.length ?? 0);
  if (length === 0) {
    if (node.otherwise) await renderNodes(node.otherwise, scope, out, depth + 1);
    return;
  }
  const saved = new Map(scope.locals);
  for (let i = 0; i < length; i++) {
    if (list) {
      if (node.key) scope.locals.set(node.key, i);
      scope.locals.set(node.item, list[i]);
    } else if (node.key) {
      scope.locals.set(node.key, keys![i]);
      scope.locals.set(node.item, map![keys![i]]);
    } else scope.locals.set(node.item, new Entry(keys![i], map![keys![i]]));
    scope.locals.set("loop", { index: i, revindex: length - i - 1, first: i === 0, last: i === length - 1, length });
    const pause = scope.budget.step(1, what);
    if (pause) await pause;
    await renderNodes(node.body, scope, out, depth + 1);
  }
  scope.locals = saved;
}

async function findBranch(branches: Array<{ cond: Node; body: Template["nodes"] }>, scope: Scope, depth: number) {
  for (const b of branches) if (truthy(await evaluate(b.cond, scope, depth), scope.budget)) return b.body;
  return undefined;
}
