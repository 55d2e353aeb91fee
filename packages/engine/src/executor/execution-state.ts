import { newId, type ExecutionRecord, type ExecutionState as ExecState, type LogEntry, type LogLevel, type StateRecord, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import { formatDuration, isTerminal } from "@ferry/sdk";
import type { Flow } from "@ferry/core";
import type { CreateExecutionRequest } from "../execution-service.js";
import type { TaskRunVariables } from "../context.js";
import type { ExecutorEvent, WorkerJob } from "../messages.js";
import { HeldTaskRun } from "./held-task-run.js";
import { TaskRunIndex } from "./task-run-index.js";
import { eachIteration } from "./each-iteration.js";
import { creationSlice } from "./creation-slice.js";

/**
 * Now as toISOString writes it, one string per millisecond: a ForEach's event creates thousands
 * of task runs within a few milliseconds, and each run's dates (and its job's `taskrun.startDate`,
 * held while the job waits in the queue) were a 24-character string of their own (issue #18.1).
 */
let lastNow = { ms: Number.NaN, iso: "" };

export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastNow.ms) lastNow = { ms, iso: new Date(ms).toISOString() };
  return lastNow.iso;
}

export function transition<S extends string>(record: StateRecord<S>, state: S, date = isoNow()): void {
  if (record.current === state) return;
  record.current = state;
  record.histories.push({ state, date });
  if (isTerminal(state as ExecState)) {
    record.endDate = date;
    record.duration = formatDuration(Date.parse(date) - Date.parse(record.startDate));
  } else {
    delete record.endDate;
    delete record.duration;
  }
}

export function newState<S extends string>(state: S, date = isoNow()): StateRecord<S> {
  return { current: state, histories: [{ state, date }], startDate: date };
}

/**
 * One execution loaded for one event: the records, what changed, and what to send once
 * the changes are saved (jobs, delayed retries, logs, notifications).
 */
export class ExecutionState {
  readonly dirty = new Set<TaskRunRecord>();
  executionDirty = false;
  readonly jobs: WorkerJob[] = [];
  readonly delayed: Array<{ taskRunId: string; attempt: number; delayMs: number }> = [];
  readonly logs: LogEntry[] = [];
  readonly childKills: string[] = [];
  readonly workerKills: Array<{ taskRunId: string; attempt: number }> = [];
  readonly removed: string[] = [];
  /** paused task runs' wake-ups to send, delayed (pause.ts) */
  readonly pauseWakeups: Array<{ taskRunId: string; delayMs: number; /** a flowable's timeout, not its pause */ timeout?: boolean }> = [];
  /** MAX_DURATION SLAs' wake-ups to send, delayed (sla.ts) */
  readonly slaWakeups: Array<{ slaId: string; delayMs: number }> = [];
  /** look at the MAX_DURATION SLAs in this event (created, a wake-up, a reconcile) */
  checkSlaDurations = false;
  /** the SLA whose wake-up this event is */
  slaArrived?: string;
  /** held until its scheduleDate: its start to arm, delayed (scheduled-start.ts) */
  scheduledStart?: { delayMs: number };
  /** this event is its scheduled start: the wake-up's id is settled */
  scheduledArrived = false;
  /** task runs whose pause ended: their wake-up ids are settled (`timeout:<id>` for a flowable's timeout) */
  readonly pauseSettles: string[] = [];
  /** other executions an execution.Resume task resumes, once this state is saved */
  readonly resumes: Array<Extract<ExecutorEvent, { type: "resume" }>> = [];
  /** child executions of Subflow tasks, created once this state is saved */
  readonly children: CreateExecutionRequest[] = [];
  /** failed child executions a restart restarts (RETRY_FAILED, or a Loop's iterations: `loop`), once this state is saved; `taskRunId` waits for them */
  readonly childRestarts: Array<{ executionId: string; taskRunId: string; loop?: boolean }> = [];
  /** Loop iterations' sub-executions (kind LOOP), created once this state is saved */
  readonly iterations: ExecutionRecord[] = [];
  /** retry.behavior CREATE_NEW_EXECUTION: the execution ended RETRIED; a new one follows after the delay */
  newExecutionRetry?: { delayMs: number };
  /** the version loaded: the save succeeds only over it */
  readonly loadedVersion: number;
  /** how many states the execution had gone through when loaded: Flow triggers on non-terminal states fire on the states entered since (Kestra's toExecution) */
  readonly loadedTransitions: number;
  ended = false;
  /** task runs created in this event (creation-slice.ts) */
  created = 0;
  /** a flowable left branches to start for want of this event's slice: the executor sends itself a `continue` once saved */
  moreToStart = false;
  /** how many task runs this event may create starting branches: none while the slices before it still wait (slice-pacing.ts) */
  sliceBudget = creationSlice();
  /** the channels where the jobs of this execution's slices wait, while it has branches left to start (slice-pacing.ts) */
  pacedBy?: string[];
  /** saved (or found with nothing to save) and its messages sent */
  committed = false;
  /** a restart's or markAs's execution as saved RESTARTED, before the executor moves it on: what the API answers (Kestra's service returns it so) */
  restarted?: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] };

  private runIndex?: TaskRunIndex;

  /** the loops (LoopUntil) of this event: their iteration and the task whose run carries it (loop-until.ts) */
  readonly loops = new Map<string, { iteration: number; firstTaskId?: string }>();

  /** `index`: the one kept with these task runs since they were read (SavedExecutions), else built on first use */
  constructor(
    readonly execution: ExecutionRecord,
    public taskRuns: TaskRunRecord[],
    readonly flow: Flow,
    index?: TaskRunIndex,
  ) {
    this.loadedVersion = execution.version ?? 0;
    this.loadedTransitions = execution.state.histories.length;
    this.runIndex = index;
  }

  /** the task runs indexed, kept up to date as runs are added or removed */
  get index(): TaskRunIndex {
    return (this.runIndex ??= new TaskRunIndex(this.taskRuns));
  }

  /** something to save */
  hasChanges(): boolean {
    return this.executionDirty || this.dirty.size > 0 || this.removed.length > 0;
  }

  touch(run?: TaskRunRecord): void {
    if (run) this.dirty.add(run);
    this.executionDirty = true;
  }

  /** the task run of a task under a parent and iteration value (indexed: ForEach makes many) */
  find(taskId: string, parentId: string | undefined, value: string | undefined): TaskRunRecord | undefined {
    return this.index.find(taskId, parentId, value);
  }

  /**
   * The values of a task run's enclosing loop iterations, outermost first, and its own when
   * `withCurrent` and it has one: Kestra's Execution.findParentsValues. Only a loop's own
   * children carry a value (FlowableUtils.resolveEachTasks); those of a Sequential, a
   * Parallel, an If, a Switch… have none (resolveTasks), so every value is one level.
   */
  loopValues(run: TaskRunRecord, withCurrent: boolean): string[] {
    const values: string[] = [];
    if (withCurrent && run.value !== undefined) values.push(run.value);
    for (let p = run.parentTaskRunId ? this.byId(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? this.byId(p.parentTaskRunId) : undefined) {
      if (p.value !== undefined) values.push(p.value);
    }
    return values.reverse();
  }

  /**
   * What `taskrun`, `parent` and `parents` are for a task run's templates, as Kestra's
   * RunVariables builds them: `taskrun.value` only on a run with a value of its own (a loop's
   * child), `attemptsCount` the attempts made before this one (0 on the first), `parents` the
   * enclosing task runs, nearest first, as Kestra's Execution.parents lists them: only those
   * with a value or with outputs (a Switch, an If…), so a Sequential, a Parallel or a ForEach
   * itself is left out; Ferry adds each one's task id.
   */
  taskRunVariables(run: TaskRunRecord, attemptsBefore = run.attempts.length): TaskRunVariables {
    const parents: NonNullable<TaskRunVariables["parents"]> = [];
    for (let p = run.parentTaskRunId ? this.byId(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? this.byId(p.parentTaskRunId) : undefined) {
      if (p.value !== undefined || p.outputsUri) parents.push({ task: { id: p.taskId }, ...(p.value !== undefined ? { taskrun: { value: p.value } } : {}) });
    }
    const loop = run.parentTaskRunId ? this.loops.get(run.parentTaskRunId) : undefined;
    const each = loop ? undefined : eachIteration(this, run);
    const iteration = loop && loop.firstTaskId === run.taskId ? { iteration: loop.iteration } : each !== undefined ? { iteration: each } : {};
    return {
      id: run.id, ...(run.value !== undefined ? { value: run.value } : {}), parentId: run.parentTaskRunId, parents, startDate: run.state.startDate, attemptsCount: attemptsBefore, ...iteration,
    };
  }

  /** forgets dropped task runs (restart) */
  remove(ids: Set<string>): void {
    this.taskRuns = this.taskRuns.filter((r) => !ids.has(r.id));
    this.runIndex = undefined;
    for (const run of this.dirty) if (ids.has(run.id)) this.dirty.delete(run);
    this.removed.push(...ids);
  }

  byId(id: string): TaskRunRecord | undefined {
    return this.index.byId(id);
  }

  /** `id`: one a worker chose (the children of a WorkingDirectory it runs) */
  create(taskId: string, parentId: string | undefined, value: string | undefined, state: TaskRunState, id = newId()): TaskRunRecord {
    // held compact once it ends (held-task-run.ts)
    const run = new HeldTaskRun({ id, executionId: this.execution.id, taskId, parentTaskRunId: parentId, value, state: newState(state), attempts: [] });
    this.taskRuns.push(run);
    this.runIndex?.add(run);
    this.touch(run);
    this.created++;
    return run;
  }

  setRunState(run: TaskRunRecord, state: TaskRunState): void {
    transition(run.state, state);
    // a flowable's attempt ends as it ends (ExecutorService.childWorkerTaskResult: attempts.getLast().withState(endedState))
    const last = run.attempts[run.attempts.length - 1];
    if (last?.flowable && isTerminal(state)) transition(last.state, state);
    this.touch(run);
  }

  setExecutionState(state: ExecState): void {
    transition(this.execution.state, state);
    this.execution.updated = new Date().toISOString();
    this.executionDirty = true;
  }

  log(level: LogLevel, message: string, run?: TaskRunRecord): void {
    this.logs.push({
      executionId: this.execution.id,
      namespace: this.execution.namespace,
      flowId: this.execution.flowId,
      taskId: run?.taskId,
      taskRunId: run?.id,
      attemptNumber: run ? Math.max(0, run.attempts.length - 1) : undefined,
      level,
      message,
      timestamp: new Date().toISOString(),
    });
  }
}
