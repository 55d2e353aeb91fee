import type { Callable } from "@ferry/core";
import { errorMessage, formatDuration, isTerminal, parseDuration, UserError, type ExecutionRecord, type Repository } from "@ferry/sdk";
import type { EngineEvents } from "./events.js";
import type { CreateExecutionRequest } from "./execution-service.js";
import { CORRELATION_ID_LABEL } from "./execution-service.js";
import type { FlowStore } from "./flow-store.js";
import type { JsonStore } from "./json-store.js";

/** Kestra's SubflowFunctionConfiguration defaults (kestra.pebble.subflow-function) */
export const SUBFLOW_FUNCTION_LIMITS = { defaultTimeoutMs: 60_000, maxTimeoutMs: 5 * 60_000, maxDepth: 3 };
/** how often an awaited execution is read back, for the end another scheduler saved */
const POLL_MS = 500;
const SYSTEM_PREFIX = "system.";
const FROM_LABEL = "system.from";

export interface SubflowFunctionDeps {
  flows: FlowStore;
  repository: Repository;
  store: JsonStore;
  events: EngineEvents;
  /** ExecutionService.create, with the nesting depth the child's own inputs render at */
  create(request: CreateExecutionRequest & { functionDepth: number }): Promise<ExecutionRecord>;
}

const fail = (message: string) => new UserError(message);
const IN_INPUTS_ONLY = "The 'subflow' function can only be used at flow-input render time (e.g. an input's 'values'); it is not supported inside task or trigger properties.";

/** a task's or trigger's properties (a worker's render, a flowable's on the executor): Kestra's refusal */
export const subflowInInputsOnly: Callable = () => {
  throw fail(IN_INPUTS_ONLY);
};

/**
 * subflow(namespace, id, inputs, revision, labels, timeout), Kestra's SubflowFunction: runs a
 * flow, waits for its end and answers `{id, state, outputs, labels}` (the flow-level outputs),
 * for an input's templates (a SELECT's `expression`, a `defaults`) on the server. A task or
 * trigger property may not call it (Kestra's check: a `taskrun` or `trigger` variable); a flow
 * whose inputs call subflow() in turn is bounded by `maxDepth` nested calls (Kestra counts them
 * per thread; here the depth travels with the child's input functions). An end other than
 * SUCCESS or WARNING, a flow not found or disabled, bad inputs, a reserved system label and a
 * timeout past the maximum are errors naming the flow.
 */
export function subflowFunction(deps: SubflowFunctionDeps, depth: number): Callable {
  return async (args, named, call) => {
    const variables = call?.variables ?? {};
    if (variables.taskrun != null || variables.trigger != null) {
      throw fail(IN_INPUTS_ONLY);
    }
    const arg = (i: number, name: string) => (name in named ? named[name] : args[i]);
    const namespace = arg(0, "namespace");
    const id = arg(1, "id");
    if (typeof namespace !== "string" || typeof id !== "string") throw fail("The 'subflow' function expects the arguments 'namespace' and 'id'.");
    const caller = variables.flow as { namespace?: unknown } | undefined;
    if (caller == null || typeof caller !== "object") {
      throw fail("The 'subflow' function can only be used in a flow context (e.g. an input's 'values'); the caller flow could not be resolved.");
    }
    const revision = revisionOf(arg(3, "revision"));
    const inputs = inputsOf(arg(2, "inputs"));
    const labels = labelsOf(arg(4, "labels"));
    const timeoutMs = timeoutOf(arg(5, "timeout"));
    if (depth >= SUBFLOW_FUNCTION_LIMITS.maxDepth) {
      throw fail(`The 'subflow' function exceeded the maximum nesting depth of ${SUBFLOW_FUNCTION_LIMITS.maxDepth} (a subflow's inputs likely call subflow() recursively).`);
    }
    const flow = await deps.flows.get(namespace, id, revision).catch(() => {
      throw fail(`Unable to find flow '${namespace}'.'${id}'${revision === undefined ? "" : ` with revision ${revision}`}.`);
    });
    if (flow.disabled) throw fail(`Cannot run the disabled flow '${namespace}'.'${id}'.`);
    let created: ExecutionRecord;
    try {
      created = await deps.create({ flow, inputs, labels: labels.labels, systemLabels: labels.system, functionDepth: depth + 1 });
    } catch (error) {
      throw fail(`Invalid inputs for subflow '${namespace}'.'${id}': ${errorMessage(error)}`);
    }
    const ended = await untilEnded(deps, created.id, timeoutMs);
    if (!ended) throw fail(`Failed to run subflow '${namespace}'.'${id}': it did not end within ${formatDuration(timeoutMs)} (execution ${created.id}).`);
    const state = ended.state.current;
    if (state !== "SUCCESS" && state !== "WARNING") throw fail(`Subflow '${namespace}'.'${id}' ended in state ${state} (execution ${created.id}).`);
    const outputs = ended.outputsUri ? await deps.store.read<Record<string, unknown>>(ended.outputsUri) : {};
    return { id: ended.id, state, outputs: outputs ?? {}, labels: { ...ended.labels } };
  };
}

function revisionOf(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw fail("The 'subflow' function 'revision' must be a number.");
  return Math.trunc(value);
}

function inputsOf(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw fail("The 'subflow' function 'inputs' must be a map of input ids to values.");
  return value as Record<string, unknown>;
}

/** the caller's labels, and the system ones: system.from=subflow, and system.correlationId if given (the only one a caller may set) */
function labelsOf(value: unknown): { labels: Record<string, string>; system: Record<string, string> } {
  const labels: Record<string, string> = {};
  const system: Record<string, string> = {};
  if (value !== undefined && value !== null) {
    if (typeof value !== "object" || Array.isArray(value)) throw fail("The 'subflow' function 'labels' must be a map of string keys to values.");
    for (const [key, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      if (key.startsWith(SYSTEM_PREFIX) && key !== CORRELATION_ID_LABEL) {
        throw fail(`The 'subflow' function cannot set the system label '${key}'; system labels are reserved (except '${CORRELATION_ID_LABEL}').`);
      }
      (key === CORRELATION_ID_LABEL ? system : labels)[key] = typeof v === "object" ? JSON.stringify(v) : String(v);
    }
  }
  system[FROM_LABEL] = "subflow";
  return { labels, system };
}

function timeoutOf(value: unknown): number {
  if (value === undefined || value === null) return SUBFLOW_FUNCTION_LIMITS.defaultTimeoutMs;
  if (typeof value !== "string") throw fail("The 'subflow' function 'timeout' must be an ISO-8601 duration string (e.g. 'PT30S').");
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw fail(`The 'subflow' function 'timeout' must be an ISO-8601 duration (e.g. 'PT30S'), got '${value}'.`);
  }
  if (ms > SUBFLOW_FUNCTION_LIMITS.maxTimeoutMs) {
    throw fail(`The 'subflow' function 'timeout' (${value}) exceeds the maximum allowed (${formatDuration(SUBFLOW_FUNCTION_LIMITS.maxTimeoutMs)}).`);
  }
  return ms;
}

/**
 * The execution once it ended, or undefined when `limitMs` passed first: told by this process's
 * executor at once, read back every POLL_MS for an end another scheduler saved.
 */
async function untilEnded(deps: SubflowFunctionDeps, id: string, limitMs: number): Promise<ExecutionRecord | undefined> {
  const deadline = Date.now() + limitMs;
  let wake: () => void = () => undefined;
  const listener = (change: { executionId: string; state: string }) => {
    if (change.executionId === id && isTerminal(change.state as ExecutionRecord["state"]["current"])) wake();
  };
  deps.events.on("execution", listener);
  try {
    for (;;) {
      const found = await deps.repository.getExecution(id);
      if (found && isTerminal(found.execution.state.current)) return found.execution;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(POLL_MS, left));
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    deps.events.off("execution", listener);
  }
}
