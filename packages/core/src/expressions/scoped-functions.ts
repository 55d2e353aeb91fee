import { JavaDouble } from "@ferry/sdk";
import type { Node } from "./ast.js";
import { Output, renderNodes, type Scope } from "./evaluator.js";
import { ExpressionError, unableToFind, UndefinedError } from "./expression.error.js";
import { javaClassOf } from "./java-text.js";
import { parsed } from "./template-cache.js";
import { preview } from "./values.js";

/**
 * Functions that need the render itself, not only their arguments: render() and renderOnce()
 * render a value again with the context's variables; printContext() shows those variables;
 * currentEachOutput() reads the loop values around the task; block() renders a block again.
 */
export type ScopedFunction = (args: unknown[], named: Record<string, unknown>, scope: Scope, depth: number) => Promise<unknown>;

/** Kestra's VariableRenderer.MAX_RENDERING_AMOUNT: passes of a recursive render() before it gives up */
export const MAX_RENDERING_AMOUNT = 100;
/** Kestra's VariableConfiguration.DEFAULT_MAX_RENDER_DEPTH: render() calls inside what render() renders, at most */
export const MAX_RENDER_DEPTH = 16;

// Kestra's RAW_PATTERN, applied to the result as its VariableRenderer does once rendering is over
const RAW_TAGS = /\{%-*\s*raw\s*-*%\}([\s\S]*?)\{%-*\s*endraw\s*-*%\}/g;

const arg = (args: unknown[], named: Record<string, unknown>, i: number, name: string) => (name in named ? named[name] : args[i]);

/** render()'s and renderOnce()'s first argument, `toRender`: required (null renders to null); Kestra's renderOnce names itself 'render' in the error too */
function toRender(args: unknown[], named: Record<string, unknown>): unknown {
  if (!("toRender" in named) && args.length < 1) throw new ExpressionError(`The 'render' function expects an argument 'toRender'.`);
  return arg(args, named, 0, "toRender");
}

/**
 * render(toRender, recursive=true): a string rendered with the context's variables (not the
 * template's `set` variables, as Kestra passes only its global scope), again and again until it
 * no longer changes (at most MAX_RENDERING_AMOUNT passes), or once with recursive=false. Raw
 * blocks stay raw across passes, and what secret() returned is never rendered. A list or map
 * has each of its strings rendered; anything else is returned as it is (RenderFunctionTest).
 */
async function render(template: unknown, recursive: unknown, scope: Scope, depth: number): Promise<unknown> {
  if ((scope.renderDepth ?? 0) >= MAX_RENDER_DEPTH) {
    throw new ExpressionError(`Maximum render() nesting depth (${MAX_RENDER_DEPTH}) exceeded — check for circular render() calls in your template.`);
  }
  if (typeof recursive !== "boolean") throw new ExpressionError("The 'render' function expects an optional argument 'recursive' with type boolean.");
  if (typeof template === "string") {
    if (scope.budget.secrets.has(template)) return template;
    return renderText(template, recursive, scope, depth);
  }
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (const item of template) out.push(await render(item, recursive, scope, depth + 1));
    return out;
  }
  if (template !== null && typeof template === "object" && !(template instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = await render(v, recursive, scope, depth + 1);
    return out;
  }
  return template;
}

async function renderText(text: string, recursive: boolean, scope: Scope, depth: number): Promise<string> {
  const protect = new Map<string, string>();
  let current = text;
  for (let pass = 0; ; pass++) {
    if (pass > MAX_RENDERING_AMOUNT) throw new ExpressionError(`Too many rendering attempts: render() rendered '${preview(text)}' ${MAX_RENDERING_AMOUNT} times and it still changes`);
    const next = await renderPass(current, protect, scope, depth);
    if (!recursive || next === current) {
      current = next;
      break;
    }
    current = next;
  }
  let result = current.replace(RAW_TAGS, "$1");
  for (const [mark, secret] of protect) result = result.replaceAll(mark, secret);
  scope.budget.output(result.length, "render()");
  return result;
}

async function renderPass(text: string, protect: Map<string, string>, scope: Scope, depth: number): Promise<string> {
  if (!/\{[{%#]/.test(text)) return text;
  scope.budget.chars(text.length, "render()");
  const template = parsed(text, scope.budget.limits.maxDepth);
  const out = new Output(scope.budget);
  try {
    await renderNodes(template.nodes, { ctx: scope.ctx, locals: new Map(), budget: scope.budget, template, protect, renderDepth: (scope.renderDepth ?? 0) + 1 }, out, depth + 1);
  } catch (error) {
    // worded with the text render() was given, as Kestra's RenderFunction's own VariableRenderer words it
    if (error instanceof UndefinedError && error.attribute !== undefined && error.template === undefined) throw unableToFind(error, text);
    throw error;
  }
  return out.toString();
}

/**
 * currentEachOutput(outputs.task): the outputs of a sibling task for the loop values the
 * current task runs under, outermost first, then its own value (CurrentEachOutputFunction).
 */
function currentEachOutput(outputs: unknown, scope: Scope): unknown {
  if (outputs === null || typeof outputs !== "object" || Array.isArray(outputs)) {
    throw new ExpressionError("The 'currentEachOutput' function expects an argument 'outputs' with type map.");
  }
  const variables = scope.ctx.variables;
  const parents = Array.isArray(variables.parents) ? [...(variables.parents as Array<{ taskrun?: { value?: unknown } }>)].reverse() : [];
  let current: unknown = outputs;
  const values = [...parents.map((p) => p?.taskrun?.value), (variables.taskrun as { value?: unknown } | undefined)?.value];
  for (const value of values) {
    if (value === undefined || value === null) continue;
    if (current === null || typeof current !== "object") return null;
    current = (current as Record<string, unknown>)[String(value)] ?? null;
  }
  return current;
}

type Parent = { task?: { id?: unknown }; taskrun?: { value?: unknown } };
const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);
const whole = (v: unknown): v is number | bigint => (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";

/** a parent's outputs: its task's entry in `outputs`, under the parent's own loop value when it has one */
function outputsOfParent(parent: Parent, scope: Scope): unknown {
  const outputs = scope.ctx.variables.outputs;
  const of = isMap(outputs) ? outputs[String(parent.task?.id)] : undefined;
  if (of === undefined || of === null) return null;
  const value = parent.taskrun?.value;
  return value === undefined || value === null ? of : isMap(of) ? (of[String(value)] ?? null) : null;
}

/**
 * parentOutput(index=null): the outputs of the direct parent (`parent`), or of `parents`
 * counted from the outermost (0) when an index is given (ParentOutputFunction).
 */
function parentOutput(index: unknown, scope: Scope): unknown {
  const variables = scope.ctx.variables;
  if (index !== undefined && index !== null) {
    if (!whole(index)) throw new ExpressionError("The 'parentOutput' function expects an argument 'index' of type integer.");
    const parents = Array.isArray(variables.parents) ? (variables.parents as Parent[]) : [];
    const i = Number(index);
    if (i + 1 > parents.length) throw new ExpressionError(`Invalid index: ${i} for parents size: ${parents.length}`);
    return outputsOfParent([...parents].reverse()[i], scope);
  }
  const parent = variables.parent;
  if (!isMap(parent)) throw new ExpressionError("parentOutput() reads the outputs of the enclosing task, and this task has none");
  return outputsOfParent(parent as Parent, scope);
}

/** the `value` output of the iteration at `index` of a task's outputs keyed by loop value (in the order the map holds them) */
function valueAtIteration(outputs: Record<string, unknown>, index: number): unknown {
  const key = Object.keys(outputs)[index];
  const output = outputs[key];
  return isMap(output) ? (output.value ?? null) : null;
}

/** an argument Kestra reads with Integer.parseInt(arg.toString()) */
function iterationIndex(value: unknown, message: string): number {
  const text = typeof value === "bigint" || typeof value === "number" || typeof value === "string" ? String(value) : undefined;
  if (text === undefined || !/^[+-]?\d+$/.test(text)) throw new ExpressionError(`${message}${preview(value)}`);
  return Number(text);
}

/**
 * iterationOutput(taskId=current task, iteration=previous one): the `value` output of a task
 * in an earlier iteration of the loop the current task runs in, the task's outputs read under
 * the enclosing loop values, outermost first (IterationOutputFunction).
 */
function iterationOutput(taskIdArg: unknown, iterationArg: unknown, scope: Scope): unknown {
  const variables = scope.ctx.variables;
  const taskrun = variables.taskrun;
  if (!isMap(taskrun) || taskrun.iteration === undefined) throw new ExpressionError(" 'iterationOutputs()' function should be used inside iterative tasks only");
  const taskId = taskIdArg === undefined || taskIdArg === null ? String((variables.task as { id?: unknown } | undefined)?.id) : String(taskIdArg);
  const iteration =
    iterationArg === undefined || iterationArg === null ? Number(taskrun.iteration) - 1 : iterationIndex(iterationArg, "The 'iteration' argument for 'iterationOutputs' must be an integer, but got: ");
  if (iteration < 0) throw new ExpressionError(`Cannot fetch iteration ${iteration}: no previous iteration exists.`);
  const outputs = variables.outputs;
  const own = isMap(outputs) ? outputs[taskId] : undefined;
  if (!isMap(own)) return null;
  let target: Record<string, unknown> = own;
  const parents = Array.isArray(variables.parents) ? [...(variables.parents as Parent[])].reverse() : [];
  for (const parent of parents) {
    if (!parent?.taskrun) continue;
    const next: unknown = target[String(parent.taskrun.value)];
    if (!isMap(next)) return null;
    target = next;
  }
  const size = Object.keys(target).length;
  if (iteration >= size) {
    throw new ExpressionError(`The provided index (${iteration}) is out of range. It refers to an iteration whose outputs do not exist yet. Maximum valid index is ${size - 1}.`);
  }
  return valueAtIteration(target, iteration);
}

/**
 * iterationOutputs(iteration=the previous one, taskId=current task): as iterationOutput, its
 * arguments the other way round, and a task with no outputs (on the current loop path) an
 * error rather than null (IterationOutputsFunction).
 */
function iterationOutputs(iterationArg: unknown, taskIdArg: unknown, scope: Scope): unknown {
  const variables = scope.ctx.variables;
  const taskrun = variables.taskrun;
  if (!isMap(taskrun) || taskrun.iteration === undefined) throw new ExpressionError(" 'iterationOutputs()' function should be used inside iterative tasks only");
  const iteration =
    iterationArg === undefined || iterationArg === null ? Number(taskrun.iteration) - 1 : iterationIndex(iterationArg, "The 'iteration' argument for 'iterationOutputs' must be an integer, but got: ");
  if (iteration < 0) throw new ExpressionError(`Cannot fetch iteration ${iteration}: no previous iteration exists.`);
  const taskId = taskIdArg === undefined || taskIdArg === null ? String((variables.task as { id?: unknown } | undefined)?.id) : String(taskIdArg);
  const outputs = variables.outputs;
  const own = isMap(outputs) ? outputs[taskId] : undefined;
  if (!isMap(own)) throw new ExpressionError(`The provided task with taskId = ${taskId} has no execution outputs`);
  let target: Record<string, unknown> = own;
  const parents = Array.isArray(variables.parents) ? [...(variables.parents as Parent[])].reverse() : [];
  for (const parent of parents) {
    if (!parent?.taskrun) continue;
    const next: unknown = target[String(parent.taskrun.value)];
    if (!isMap(next)) throw new ExpressionError(`The provided task with taskId = ${taskId} has no execution outputs for the current iterative task runs path`);
    target = next;
  }
  const size = Object.keys(target).length;
  if (iteration === size) throw new ExpressionError(`The provided index (${iteration}) refers to the current iteration, whose outputs are not yet available at runtime.`);
  if (iteration > size) {
    throw new ExpressionError(`The provided index (${iteration}) is out of range. It refers to a future iteration whose outputs do not exist yet. Maximum valid index is ${size - 1}.`);
  }
  return valueAtIteration(target, iteration);
}

/**
 * outputFromIteration(index): the `value` output of the current task in an earlier iteration
 * of the loop it runs in; not inside nested loops (OutputFromIterationFunction).
 */
function outputFromIteration(indexArg: unknown, scope: Scope): unknown {
  if (indexArg === undefined || indexArg === null) throw new ExpressionError("The 'outputFromIteration' function requires an argument named 'index'.");
  const index = iterationIndex(indexArg, "The 'index' argument for 'outputFromIteration' must be an integer, but got: ");
  if (index < 0) throw new ExpressionError(`Cannot fetch iteration ${index}: no previous iteration exists.`);
  const variables = scope.ctx.variables;
  if (Array.isArray(variables.parents) && variables.parents.length) throw new ExpressionError("The 'outputFromIteration' function is not supported inside nested loops. ");
  const outputs = variables.outputs;
  const taskId = String((variables.task as { id?: unknown } | undefined)?.id);
  const own = isMap(outputs) && isMap(outputs[taskId]) ? (outputs[taskId] as Record<string, unknown>) : {};
  const size = Object.keys(own).length;
  if (index === size) throw new ExpressionError(`The provided index (${index}) refers to the current iteration, whose outputs are not yet available at runtime.`);
  if (index > size) {
    throw new ExpressionError(`The provided index (${index}) is out of range. It refers to a future iteration whose outputs do not exist yet. Maximum valid index is ${size - 1}.`);
  }
  return valueAtIteration(own, index);
}

/**
 * env(name, default=null): the `envs` variable's entry `name` (an `ENV_`-prefixed environment
 * variable, its name lower-cased), or the default when there is none or it is empty (EnvFunction).
 */
function env(args: unknown[], named: Record<string, unknown>, scope: Scope): unknown {
  if (args.length < 1 && !("name" in named)) throw new ExpressionError("The 'env' function expects an argument 'name'.");
  const name = arg(args, named, 0, "name");
  const fallback = arg(args, named, 1, "default") ?? null;
  const envs = scope.ctx.variables.envs;
  if (envs === null || typeof envs !== "object" || Array.isArray(envs)) return fallback;
  const value = Object.hasOwn(envs, String(name)) ? (envs as Record<string, unknown>)[String(name)] : undefined;
  return value === undefined || value === null || String(value) === "" ? fallback : value;
}

export const SCOPED_FUNCTIONS: Record<string, ScopedFunction> = {
  env: async (args, named, scope) => env(args, named, scope),
  render: (args, named, scope, depth) => render(toRender(args, named), arg(args, named, 1, "recursive") ?? true, scope, depth),
  renderOnce: (args, named, scope, depth) => render(toRender(args, named), false, scope, depth),
  // the variables of the execution's context (Kestra's global scope), not the template's own
  printContext: async (_a, _n, scope) => ({ ...scope.ctx.variables }),
  // DumpFunction: printContext's older name
  dump: async (_a, _n, scope) => ({ ...scope.ctx.variables }),
  fetchContext: async (_a, _n, scope) => ({ ...scope.ctx.variables }),
  currentEachOutput: async (args, named, scope) => currentEachOutput(arg(args, named, 0, "outputs"), scope),
  parentOutput: async (args, named, scope) => parentOutput(arg(args, named, 0, "index"), scope),
  iterationOutput: async (args, named, scope) => iterationOutput(arg(args, named, 0, "taskId"), arg(args, named, 1, "iteration"), scope),
  outputFromIteration: async (args, named, scope) => outputFromIteration(arg(args, named, 0, "index"), scope),
  iterationOutputs: async (args, named, scope) => iterationOutputs(arg(args, named, 0, "iteration"), arg(args, named, 1, "taskId"), scope),
  block: async (args, named, scope, depth) => {
    const name = String(arg(args, named, 0, "name"));
    const body = scope.template?.blocks.get(name);
    if (!body) throw new ExpressionError(`block '${name}' is not defined in this template`);
    const out = new Output(scope.budget);
    await renderNodes(body, scope, out, depth + 1);
    return out.toString();
  },
  parent: async () => {
    throw new ExpressionError("parent() renders the block of a parent template, and Kestra flows have no template inheritance ({% extends %} is removed)");
  },
};

const NUMBER_TYPES: Record<string, string> = {
  INT: "java.lang.Integer", FLOAT: "java.lang.Float", LONG: "java.lang.Long", DOUBLE: "java.lang.Double",
  BIGDECIMAL: "java.math.BigDecimal", BIGINTEGER: "java.math.BigInteger",
};

/**
 * What `className` prints: the Java class Pebble would hold, from the node that made the value
 * when it tells (a literal, arithmetic, the number and string filters), else from the value as
 * Jackson reads JSON (ClassNameFilter).
 */
export function typeOfFiltered(node: Node, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  // a Double says so itself (a float literal, arithmetic on one); a whole literal or a result of Longs is a Long
  if ((node.type === "literal" || node.type === "binary") && typeof value === "number") return Number.isInteger(value) ? "java.lang.Long" : "java.lang.Double";
  if (node.type === "filter" && node.name === "number" && (typeof value === "number" || typeof value === "bigint" || value instanceof JavaDouble)) {
    const type = node.args[0]?.type === "literal" ? String(node.args[0].value) : node.named.type?.type === "literal" ? String(node.named.type.value) : "";
    if (NUMBER_TYPES[type]) return NUMBER_TYPES[type];
    // commons-lang's createNumber: the smallest of Integer, Long, BigInteger; Float when it keeps every digit, else Double
    if (typeof value === "bigint") return value >= -(2n ** 63n) && value < 2n ** 63n ? "java.lang.Long" : "java.math.BigInteger";
    const n = Number(value);
    if (typeof value === "number" && Number.isInteger(n)) return Math.abs(n) <= 2 ** 31 - 1 ? "java.lang.Integer" : "java.lang.Long";
    return significantDigits(n) <= 7 ? "java.lang.Float" : "java.lang.Double";
  }
  if (node.type === "filter" && node.name === "string") return "java.lang.String";
  return javaClassOf(value);
}

function significantDigits(n: number): number {
  const [mantissa] = Math.abs(n).toExponential().split("e");
  return mantissa.replace(".", "").length;
}
