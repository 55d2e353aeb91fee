import { renderValue, type RenderContext, type TaskSpec } from "@ferry/core";
import { isTerminal, storageKeyOf, toStorageUri, UserError, type ExecutionRecord, type SubflowTaskDefinition, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { filesPrefix, recordsPrefix, taskFilesPrefix } from "../storage-keys.js";
import { newState, transition, type ExecutionState } from "./execution-state.js";
import { outcomeState } from "./task-outcome.js";

type Target = ReturnType<SubflowTaskDefinition["target"]>;

/*
 * Kestra's ForEachItem `_items` task run: one child execution per batch, all from one task
 * run, which counts them by state (`iterations`) and ends once they all ended. What it keeps:
 * the children's ids (written once, `batches.json`), and one record per ended child
 * (`batches/<taskRunId>/<iteration>.json`, written once, so a repeated end event counts once); the outputs
 * are written under a new key each time the counts change, never over an older document.
 */
const batchesKey = (state: ExecutionState, run: TaskRunRecord) => `${recordsPrefix(state.execution)}/${run.taskId}.${run.id}.batches.json`;
// a folder: storage lists what is below a folder
const endedPrefix = (state: ExecutionState, run: TaskRunRecord) => `${recordsPrefix(state.execution)}/batches/${run.id}/`;

interface Ended {
  state: string;
  outputsUri?: string;
}

/** starts one child per line of the splits file; answers nothing: the run waits for its children (or ends now, without `wait` or batches) */
export async function startBatches(
  state: ExecutionState,
  run: TaskRunRecord,
  task: TaskSpec,
  batches: { splits: string; inputs: unknown },
  target: Target,
  ctx: RenderContext,
  deps: { store: JsonStore; startSubflow(state: ExecutionState, run: TaskRunRecord, target: Target): Promise<string> },
): Promise<void> {
  const bytes = await deps.store.storage.get(storageKeyOf(batches.splits));
  if (!bytes) throw new UserError(`the batches file ${batches.splits} is gone`);
  const items = new TextDecoder().decode(bytes).split("\n").filter((line) => line.trim());
  run.attempts.push({ state: newState("RUNNING") });
  const ids: string[] = [];
  for (const [iteration, uri] of items.entries()) {
    const taskrun = { ...(ctx.variables.taskrun as Record<string, unknown>), items: uri, iteration };
    const inputs = (await renderValue(batches.inputs ?? {}, { ...ctx, variables: { ...ctx.variables, taskrun } })) as Record<string, unknown>;
    ids.push(await deps.startSubflow(state, run, { ...target, inputs, iteration }));
  }
  await deps.store.write(batchesKey(state, run), { executionIds: ids });
  if (!ids.length) {
    // no batch: the run ends SUCCESS without outputs (ExecutorService.handleExecutableTask, "if no executions we move the task to SUCCESS immediately")
    end(state, run, task, "SUCCESS");
    state.touch(run);
    return;
  }
  // Without `wait`, Kestra hands each child's result back at once as SUCCESS, moving one count from RUNNING each time
  // (ExecutableUtils.manageIterations): no CREATED count, RUNNING 0, SUCCESS every batch. With it, all start CREATED.
  const iterations = target.wait ? { CREATED: ids.length, RUNNING: 0 } : { RUNNING: 0, SUCCESS: ids.length };
  run.outputsUri = await deps.store.write(`${recordsPrefix(state.execution)}/${run.taskId}.${run.id}.outputs.0.json`, { numberOfBatches: ids.length, iterations });
  // the run waits on its children as a Subflow's does; its first child stands for them all, the others are in batches.json
  run.subflowExecutionId = ids[0];
  if (!target.wait) end(state, run, task, "SUCCESS");
  state.touch(run);
}

/** the child executions of a ForEachItem task run */
export async function batchChildren(state: ExecutionState, run: TaskRunRecord, store: JsonStore): Promise<string[]> {
  return (await store.read<{ executionIds: string[] }>(toStorageUri(batchesKey(state, run)))).executionIds;
}

/** whether a task run started batches (a ForEachItem's `_items`) rather than one child */
export async function isBatchRun(state: ExecutionState, run: TaskRunRecord, store: JsonStore): Promise<boolean> {
  return Boolean(run.subflowExecutionId) && store.storage.exists(batchesKey(state, run));
}

/** the child executions a task run waits on, to kill with it: a Subflow's one, a ForEachItem's every batch */
export async function childExecutionsOf(state: ExecutionState, run: TaskRunRecord, store: JsonStore): Promise<string[]> {
  if (!run.subflowExecutionId) return [];
  return (await isBatchRun(state, run, store)) ? batchChildren(state, run, store) : [run.subflowExecutionId];
}

/**
 * A restart (RETRY_FAILED): the batches whose child ended in a state `again` accepts count as
 * not ended any more, and the counts say so; answers those children's ids, to restart.
 */
export async function forgetEndedBatches(state: ExecutionState, run: TaskRunRecord, store: JsonStore, again: (ended: string) => boolean): Promise<string[]> {
  const ids = await batchChildren(state, run, store);
  const { keys, all } = await endedBatches(state, run, store);
  const forgotten: string[] = [];
  const kept: Ended[] = [];
  for (const [i, key] of keys.entries()) {
    if (!again(all[i].state)) {
      kept.push(all[i]);
      continue;
    }
    await store.storage.delete(key);
    forgotten.push(ids[iterationOf(key)]);
  }
  if (forgotten.length) await writeCounts(state, run, ids.length, kept, store);
  return forgotten;
}

/** the ended batches' records, as storage lists them */
async function endedBatches(state: ExecutionState, run: TaskRunRecord, store: JsonStore): Promise<{ keys: string[]; all: Ended[] }> {
  const keys = await store.storage.list(endedPrefix(state, run));
  return { keys, all: await Promise.all(keys.map((key) => store.read<Ended>(toStorageUri(key)))) };
}

const iterationOf = (key: string) => Number(/(\d+)\.json$/.exec(key)![1]);

/**
 * The run's outputs with the counts of `ended`: under a new key each time (the attempt, then how
 * many ended), never over an older document that a cache may hold.
 */
async function writeCounts(state: ExecutionState, run: TaskRunRecord, total: number, ended: Ended[], store: JsonStore, merged?: string): Promise<Record<string, number>> {
  const iterations: Record<string, number> = { CREATED: total - ended.length, RUNNING: 0 };
  for (const e of ended) iterations[e.state] = (iterations[e.state] ?? 0) + 1;
  const key = `${recordsPrefix(state.execution)}/${run.taskId}.${run.id}.outputs.${run.attempts.length}.${ended.length}.json`;
  run.outputsUri = await store.write(key, { numberOfBatches: total, iterations, ...(merged ? { uri: merged } : {}) });
  state.touch(run);
  return iterations;
}

/** one child ended: the counts move; once all ended, the run ends as Kestra's ForEachItem does */
export async function batchEnded(state: ExecutionState, run: TaskRunRecord, child: ExecutionRecord, task: TaskSpec | undefined, store: JsonStore): Promise<void> {
  const ids = await batchChildren(state, run, store);
  const iteration = ids.indexOf(child.id);
  if (iteration < 0) return;
  const childState = child.state.current;
  if (childState === "RETRIED") return; // its retry in a new execution will end it
  // a late end event of a child restarted since (RETRY_FAILED): it will end again
  if (!isTerminal(childState)) return;
  const ended: Ended = { state: childState, ...(child.outputsUri ? { outputsUri: child.outputsUri } : {}) };
  await store.write(`${endedPrefix(state, run)}${iteration}.json`, ended);
  const { keys, all } = await endedBatches(state, run, store);
  const done = all.length === ids.length;
  const merged = done && task?.wait !== false ? await mergeOutputs(state, run, keys, all, store) : undefined;
  const iterations = await writeCounts(state, run, ids.length, all, store, merged);
  if (!done) return;
  const transmit = task?.transmitFailed !== false && task?.transmitFailed !== "false";
  let result: TaskRunState = "SUCCESS";
  if (transmit && iterations.FAILED) result = "FAILED";
  else if (transmit && iterations.KILLED) result = "KILLED";
  else if (transmit && iterations.WARNING) result = "WARNING";
  if (result !== "SUCCESS") state.log(result === "WARNING" ? "WARN" : "ERROR", `${ids.length - (iterations.SUCCESS ?? 0)} of ${ids.length} subflow executions did not succeed`, run);
  end(state, run, task, result);
}

/** the children's outputs, one JSON line each in batch order (Ion text reads JSON), as Kestra's ForEachItem gathers them */
async function mergeOutputs(state: ExecutionState, run: TaskRunRecord, keys: string[], all: Ended[], store: JsonStore): Promise<string | undefined> {
  const byIteration = keys.map((key, i) => [iterationOf(key), all[i]] as const).sort(([a], [b]) => a - b);
  const lines: string[] = [];
  for (const [, e] of byIteration) if (e.outputsUri) lines.push(JSON.stringify(await store.read(e.outputsUri)));
  if (!lines.length) return undefined;
  const key = `${taskFilesPrefix(filesPrefix(state.execution), run.taskId, run.id)}/outputs.ion`;
  await store.storage.put(key, lines.map((line) => `${line}\n`).join(""));
  return toStorageUri(key);
}

function end(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, result: TaskRunState) {
  const attempt = run.attempts[run.attempts.length - 1];
  if (attempt) transition(attempt.state, result);
  state.setRunState(run, outcomeState(task, result));
}
