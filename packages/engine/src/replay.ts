import { isStorageUri, isTerminal, newId, PurgedError, toStorageUri, UserError, type ExecutionRecord, type TaskRunRecord } from "@ferry/sdk";
import type { Flow } from "@ferry/core";
import type { JsonStore } from "./json-store.js";
import { filesPrefix, planKey, recordsPrefix, taskFilesPrefix, taskOutputsKey } from "./storage-keys.js";
import { transition } from "./executor/execution-state.js";

export interface StoredExecution {
  execution: ExecutionRecord;
  taskRuns: TaskRunRecord[];
}

/** the flowables whose children the executor's walk resolves again from their plan: a replay keeps such a target RUNNING */
const WALKED_FLOWABLE = /(^|\.)(Sequential|Parallel|If|Switch|EachSequential|EachParallel|ForEach|Dag|AllowFailure)$/;

/** where a task sits in a flow: the list holding it (by property name), its index there, and whether that list runs at once */
interface TaskPlace {
  type: string;
  list: string;
  index: number;
  parallel: boolean;
  /** in a Dag: the tasks of the Dag it waits for */
  dependsOn?: string[];
}

const HANDLERS = new Set(["errors", "finally"]);

/**
 * lists whose tasks start together (Kestra draws them as parallel branches of the graph, none a successor of another).
 * A ForEach is drawn sequential whatever its concurrencyLimit (ForEach.tasksTree: GraphUtils.sequential, its values
 * running at once being no matter for the graph): a replay from one of its runs drops the later tasks' and its own
 * task's other values' runs (ExecutionServiceTest.replayEachPara, replayEachSeq2 on concurrencyLimit 0)
 */
function runsAtOnce(spec: Record<string, unknown>): boolean {
  const kind = String(spec.type ?? "").slice(String(spec.type ?? "").lastIndexOf(".") + 1);
  if (kind === "Parallel" || kind === "EachParallel") return true;
  if (kind === "Loop") return spec.concurrencyLimit !== 1;
  return false;
}

const isTaskSpec = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && typeof (v as { id?: unknown }).id === "string" && typeof (v as { type?: unknown }).type === "string";

/** every task of the flow by id, with its place in the list that declares it */
function taskPlaces(flow: Pick<Flow, "tasks" | "errors" | "finally">): Map<string, TaskPlace> {
  const places = new Map<string, TaskPlace>();
  const visit = (list: unknown[], name: string, parallel: boolean) => {
    list.forEach((entry, index) => {
      // a Dag's entry: { task, dependsOn }
      const dag = !isTaskSpec(entry) && entry && typeof entry === "object" && isTaskSpec((entry as { task?: unknown }).task);
      const task = dag ? (entry as { task: Record<string, unknown> }).task : entry;
      if (!isTaskSpec(task)) return;
      const dependsOn = dag ? ((entry as { dependsOn?: string[] }).dependsOn ?? []) : undefined;
      places.set(task.id as string, { type: task.type as string, list: name, index, parallel, ...(dependsOn ? { dependsOn } : {}) });
      for (const [key, value] of Object.entries(task)) {
        const own = !HANDLERS.has(key) && runsAtOnce(task);
        if (Array.isArray(value)) visit(value, key, own);
        else if (isTaskSpec(value)) visit([value], key, own);
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) if (Array.isArray(v)) visit(v, `${key}/${k}`, own);
      }
    });
  };
  visit(flow.tasks ?? [], "tasks", false);
  visit(flow.errors ?? [], "errors", false);
  visit(flow.finally ?? [], "finally", false);
  return places;
}

/**
 * The task runs a replay from `taskRunId` keeps, as Kestra's ExecutionService.replay does: every
 * task run but the target's successors in the flow's graph (GraphUtils.successors). Those are
 * worked out per task, level by level up the target's enclosing flowables: in a list that runs in
 * order (the flow's tasks, Sequential, a one-at-a-time loop) the runs of the tasks declared after
 * the target's, and the later runs of its own task (a loop's other values), with all they ran
 * inside; in a Dag the tasks that wait for it; in a list that runs at once (Parallel, EachParallel,
 * ForEach with concurrency) nothing, so the other branches keep their runs and outputs. The enclosing flowables take up their
 * branches again (RUNNING); what ran inside the target and the `finally` runs are dropped, and
 * the `errors` runs of the target's own list when the target is its first (GraphUtils.successors
 * reaches an errors branch from its cluster's root only; its other runs stay, as Kestra keeps them), and the new execution runs them afresh; the target itself is kept RESTARTED when it is
 * a runnable task (its next attempt follows), dropped when it is a flowable. Inside a WorkingDirectory the whole directory
 * runs again, as Kestra's removeWorkerTask does. Each kept run gets a new id; parents are remapped.
 */
export function keptTaskRuns(source: StoredExecution, taskRunId: string, executionId: string, flow: Pick<Flow, "tasks" | "errors" | "finally">): { runs: TaskRunRecord[]; ancestors: Set<string>; ids: Map<string, string>; restarted?: string } {
  const byId = new Map(source.taskRuns.map((r) => [r.id, r]));
  const target = byId.get(taskRunId);
  if (!target) throw new UserError(`task run ${taskRunId} is not a task run of execution ${source.execution.id}`, { status: 404 });
  const places = taskPlaces(flow);
  const chain: TaskRunRecord[] = [];
  for (let r: TaskRunRecord | undefined = target; r; r = r.parentTaskRunId ? byId.get(r.parentTaskRunId) : undefined) chain.push(r);
  // inside a WorkingDirectory, the replay starts from the outermost one
  const directory = chain.findLastIndex((r) => places.get(r.taskId)?.type.endsWith("WorkingDirectory"));
  const from = directory > 0 ? chain.slice(directory) : chain;
  const ancestors = new Set(from.slice(1).map((r) => r.id));
  const dropped = new Set<string>([from[0]!.id]);
  const order = new Map(source.taskRuns.map((r, i) => [r.id, i]));
  for (const node of from) {
    const place = places.get(node.taskId);
    for (const sibling of source.taskRuns) {
      if (sibling.id === node.id || sibling.parentTaskRunId !== node.parentTaskRunId || ancestors.has(sibling.id)) continue;
      const at = places.get(sibling.taskId);
      if (!place || !at) continue;
      if (at.list === "errors") {
        // Kestra's GraphUtils.successors: an errors branch hangs off its cluster's root, reached only from a target the root
        // leads to (the first of a list, any task of a list that runs at once, a Dag task waiting for none); else its runs stay
        if (node === from[0] && (place.index === 0 || place.parallel || (place.dependsOn !== undefined && place.dependsOn.length === 0))) dropped.add(sibling.id);
      } else if (HANDLERS.has(at.list)) dropped.add(sibling.id);
      else if (place.dependsOn && at.dependsOn) {
        if (waitsFor(places, sibling.taskId, node.taskId)) dropped.add(sibling.id);
      } else if (at.list === place.list && !place.parallel && (at.index > place.index || (at.index === place.index && order.get(sibling.id)! > order.get(node.id)!))) dropped.add(sibling.id);
    }
  }
  const droppedWithin = (r: TaskRunRecord): boolean => {
    for (let p: TaskRunRecord | undefined = r; p; p = p.parentTaskRunId ? byId.get(p.parentTaskRunId) : undefined) if (dropped.has(p.id)) return true;
    return false;
  };
  // Kestra's mapTaskRun: the target, when a runnable task (or a WorkingDirectory, run again whole), is kept RESTARTED
  // (its history and attempts, its next attempt to come); a flowable target whose children the walk resolves is kept
  // RUNNING as its ancestors are, what ran inside it dropped (GraphUtils.successors), and walked again from its first
  // child; any other target (a Loop, a Subflow…) is dropped and made afresh
  const start = from[0]!;
  const startType = places.get(start.taskId)?.type ?? "";
  const restarted = isTerminal(start.state.current)
    && (startType.endsWith("WorkingDirectory") || (!start.planUri && !start.subflowExecutionId && !source.taskRuns.some((r) => r.parentTaskRunId === start.id)));
  if (!restarted && isTerminal(start.state.current) && !start.subflowExecutionId && WALKED_FLOWABLE.test(startType)) ancestors.add(start.id);
  const keep = source.taskRuns.filter((r) => ancestors.has(r.id) || (restarted && r.id === start.id) || (!droppedWithin(r) && isTerminal(r.state.current) && !!r.state.endDate));
  const ids = new Map(keep.map((r) => [r.id, newId()]));
  const back = new Map([...ids].map(([from, to]) => [to, from]));
  const sourceIdOf = (run: TaskRunRecord) => back.get(run.id)!;
  const runs = keep.map((r) => ({
    // state, attempts and outputsUri named: an executor's held run has them as accessors, which a clone would leave out
    ...structuredClone({ ...r, state: r.state, attempts: r.attempts, outputsUri: r.outputsUri }),
    id: ids.get(r.id)!,
    executionId,
    parentTaskRunId: r.parentTaskRunId ? ids.get(r.parentTaskRunId) : undefined,
  }));
  // enclosing flowables take up their branches again: their history goes on, RUNNING (Kestra's withState(RUNNING))
  for (const run of runs) if (ancestors.has(sourceIdOf(run))) transition(run.state, "RUNNING");
  const again = restarted ? runs.find((r) => r.id === ids.get(start.id)) : undefined;
  if (again) {
    transition(again.state, "RESTARTED");
    again.outputsUri = undefined;
    again.planUri = undefined;
  }
  return { runs, ancestors, ids, ...(again ? { restarted: start.id } : {}) };
}

/** whether Dag task `taskId` waits, directly or through others, for `on` */
function waitsFor(places: Map<string, TaskPlace>, taskId: string, on: string, seen = new Set<string>()): boolean {
  for (const before of places.get(taskId)?.dependsOn ?? []) {
    if (before === on) return true;
    if (!seen.has(before) && (seen.add(before), waitsFor(places, before, on, seen))) return true;
  }
  return false;
}

/**
 * Copies what a kept task run points at into the new execution: its outputs and plan
 * documents, and the files it wrote, with every URI to them rewritten; so the replay lives
 * on once the source execution is purged. Bytes already purged refuse the replay (410).
 */
export async function copyTaskRunData(store: JsonStore, from: ExecutionRecord, to: ExecutionRecord, source: TaskRunRecord, copy: TaskRunRecord): Promise<void> {
  const oldFiles = taskFilesPrefix(filesPrefix(from), source.taskId, source.id);
  const newFiles = taskFilesPrefix(filesPrefix(to), copy.taskId, copy.id);
  const moved = new Map<string, string>();
  // each attempt writes under the run's folder, suffixed with its number after the first
  const folder = oldFiles.slice(0, oldFiles.lastIndexOf("/") + 1);
  const ofRun = (key: string) => key.startsWith(`${oldFiles}/`) || key.startsWith(`${oldFiles}.`);
  for (const key of (await store.storage.list(folder)).filter(ofRun)) {
    const bytes = await store.storage.get(key);
    if (!bytes) continue;
    const target = `${newFiles}${key.slice(oldFiles.length)}`;
    await store.storage.put(target, bytes);
    moved.set(toStorageUri(key), toStorageUri(target));
  }
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") return isStorageUri(value) ? (moved.get(value) ?? value) : value;
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  try {
    if (source.outputsUri) copy.outputsUri = await store.write(taskOutputsKey(recordsPrefix(to), copy.taskId, copy.id), rewrite(await store.read(source.outputsUri)));
    if (source.planUri) copy.planUri = await store.write(planKey(recordsPrefix(to), copy.taskId, copy.id), await store.read(source.planUri));
  } catch (error) {
    if (error instanceof PurgedError) throw new UserError(`execution ${from.id} cannot be replayed: the outputs of task run ${source.id} were purged from internal storage`, { status: 410, cause: error });
    throw error;
  }
}

/** reads a stored document of the source execution, or refuses the replay (410) when it was purged */
export async function readForReplay<T>(store: JsonStore, from: ExecutionRecord, uri: string, what: string): Promise<T> {
  try {
    return await store.read<T>(uri);
  } catch (error) {
    if (error instanceof PurgedError) throw new UserError(`execution ${from.id} cannot be replayed: its ${what} (${uri}) was purged from internal storage`, { status: 410, cause: error });
    throw error;
  }
}
