import { toDouble } from "@ferry/sdk";
import { flowVariable, nestInputs, type Callable, type RenderContext } from "@ferry/core";
import { globalVariables, instanceVariable } from "./instance-variables.js";
import { boxDoubles } from "./written-doubles.js";
import type { ErrorLogReader } from "./error-logs.function.js";
import { runtimeFunctions } from "./render-functions.js";
import { connectionsOnWorkersOnly, secretsOnWorkersOnly } from "./secret-function.js";
import { maskSecretInputs } from "./secret-inputs.js";
import { tasksVariable, tasksWithStateFunction } from "./task-states.js";
import type { JsonStore } from "./json-store.js";
import type { ContextRef } from "./messages.js";

export interface TaskRunVariables {
  id: string;
  value?: string;
  parentId?: string;
  /** the enclosing task runs with a value of their own or outputs, nearest first (Kestra's `parents`; the first is `parent`) */
  parents?: Array<{ task: { id: string }; taskrun?: { value: string } }>;
  startDate?: string;
  /** attempts made before this one: 0 on the first */
  attemptsCount?: number;
  /** the loop iteration of a LoopUntil's first child (Kestra sets TaskRun.iteration on it alone), or a ForEach value's place from 0 for the loop's own children */
  iteration?: number;
  /** a WorkingDirectory's child: the WorkingDirectory's own `taskrun` (Kestra's `workerTaskrun`, RunContextInitializer.forWorkingDirectory) */
  workerTaskrun?: Omit<TaskRunVariables, "parents" | "workerTaskrun">;
}

/** `envs.*`: environment variables prefixed `ENV_`, as Kestra exposes them; read once. */
let envsCache: Record<string, string> | undefined;
function envs(): Record<string, string> {
  if (!envsCache) {
    envsCache = {};
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith("ENV_") && v !== undefined) envsCache[k.slice(4).toLowerCase()] = v;
  }
  return envsCache;
}

const SCHEDULE_TYPES = new Set(["io.kestra.plugin.core.trigger.Schedule", "io.kestra.core.models.triggers.types.Schedule", "core.trigger.Schedule"]);

/**
 * Builds what templates see (Kestra's run variables) from pointers: inputs and outputs
 * are read from storage through the JSON store's cache.
 */
export async function buildRenderContext(
  ref: ContextRef,
  store: JsonStore,
  extra: {
    taskrun?: TaskRunVariables;
    task?: { id: string; type: string };
    functions?: Record<string, Callable>;
    /** opens SECRET inputs (a worker); without it they read as `******` (the executor) */
    openInputs?: (inputs: Record<string, unknown>) => Promise<Record<string, unknown>>;
    /** the task's abort signal: once it aborts (kill, timeout) a render stops at its next step */
    signal?: AbortSignal;
    /** where errorLogs() reads the execution's ERROR lines (workers) */
    logs?: ErrorLogReader;
  } = {},
): Promise<RenderContext> {
  const outputs: Record<string, unknown> = {};
  const docs = await Promise.all(ref.outputs.map((o) => store.read<Record<string, unknown>>(o.uri)));
  // a task inside loops is addressed by each enclosing value, outermost first (as Kestra)
  ref.outputs.forEach((o, i) => {
    if (!o.values?.length) {
      outputs[o.taskId] = docs[i];
      return;
    }
    let level = (outputs[o.taskId] ??= {}) as Record<string, unknown>;
    for (const value of o.values.slice(0, -1)) level = (level[value] ??= {}) as Record<string, unknown>;
    level[o.values[o.values.length - 1]] = docs[i];
  });
  const variables: Record<string, unknown> = {
    flow: flowVariable(ref.flow),
    execution: { ...ref.execution, ...ref.loopRoot },
    labels: nestLabels(ref.labels),
    outputs,
    vars: ref.variablesUri ? await store.read(ref.variablesUri) : boxDoubles(ref.variables ?? {}, ref.variableDoubles),
    envs: envs(),
    globals: globalVariables(),
  };
  // Kestra's RunVariables puts `inputs` only when there are some: in a flow without any,
  // `{{ inputs.x }}` fails naming `inputs` (VariablesTest.invalidVars)
  const inputs = await inputsOf(ref, store, extra.openInputs);
  if (Object.keys(inputs).length) variables.inputs = inputs;
  const kestra = instanceVariable();
  if (kestra) variables.kestra = kestra;
  if (ref.taskStates) variables.tasks = tasksVariable(ref.taskStates);
  if (ref.triggerUri) variables.trigger = await store.read(ref.triggerUri);
  // Kestra 1.x's RunVariables also gives a Schedule's variables as `schedule` (its older name, kept until 2.0)
  if (variables.trigger !== undefined && ref.triggerType && SCHEDULE_TYPES.has(ref.triggerType)) variables.schedule = variables.trigger;
  if (ref.executionOutputsUri) (variables.execution as Record<string, unknown>).outputs = await store.read(ref.executionOutputsUri);
  // a Loop's iteration (a LOOP execution): Kestra's `item`
  if (ref.item) variables.item = ref.item;
  if (extra.taskrun) {
    const { parents = [], workerTaskrun, ...taskrun } = extra.taskrun;
    variables.taskrun = taskrun;
    if (workerTaskrun) variables.workerTaskrun = workerTaskrun;
    variables.parents = parents;
    if (parents.length) variables.parent = parents[0];
  }
  if (extra.task) variables.task = extra.task;
  const functions = {
    ...runtimeFunctions(ref, store, extra.logs, variables.trigger),
    tasksWithState: tasksWithStateFunction(variables.tasks as Record<string, unknown> | undefined),
    ...(extra.functions ?? { secret: secretsOnWorkersOnly, connection: connectionsOnWorkersOnly }),
  };
  return {
    variables,
    functions,
    ...(extra.signal ? { signal: extra.signal } : {}),
  };
}

/**
 * Labels as templates read them, Kestra's Label.toNestedMap: a dotted key nests, so
 * `system.correlationId` reads as `labels.system.correlationId`.
 */
export function nestLabels(labels: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(labels)) {
    const parts = key.split(".");
    let level = out;
    for (const part of parts.slice(0, -1)) {
      const next = level[part];
      level = (next && typeof next === "object" ? next : (level[part] = {})) as Record<string, unknown>;
    }
    level[parts[parts.length - 1]] = value;
  }
  return out;
}

/** the inputs templates read: SECRET ones opened (a worker) or masked, dotted ids nested (`inputs.nested.string`) */
async function inputsOf(ref: ContextRef, store: JsonStore, open?: (inputs: Record<string, unknown>) => Promise<Record<string, unknown>>) {
  const inputs = ref.inputsUri ? await store.read<Record<string, unknown>>(ref.inputsUri) : {};
  return nestInputs(asDoubles(open ? await open(inputs) : (maskSecretInputs(inputs) as Record<string, unknown>), ref.floatInputs));
}

/** FLOAT inputs as Kestra reads them back, Doubles: `2` given to a FLOAT input prints `2.0` */
function asDoubles(inputs: Record<string, unknown>, floatIds: string[] | undefined): Record<string, unknown> {
  if (!floatIds?.length) return inputs;
  const out = { ...inputs };
  for (const id of floatIds) {
    const value = out[id];
    if (typeof value === "number") out[id] = toDouble(value);
  }
  return out;
}
