import type { z } from "zod";
import type { EndedExecutionsQuery, LogEntry, LogLevel, LogsQuery } from "./model.js";
import type { StateType } from "./states.js";

/** What a task may log through; lines reach the execution's logs. */
export interface TaskLogger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  log(level: LogLevel, message: string): void;
}

export interface RunIdentity {
  execution: { id: string; namespace: string; flowId: string; flowRevision: number };
  taskRun: { id: string; taskId: string; value?: string; attempt: number };
}

/**
 * A runnable task's only way to the rest of the system. Everything it needs (files,
 * logs, rendering more templates, cancellation) comes through here.
 */
export interface RunContext extends RunIdentity {
  logger: TaskLogger;
  /** aborted on kill or timeout; long-running work must listen to it */
  signal: AbortSignal;
  /**
   * Renders a template authored in the flow (never call it on data values). `variables` are
   * added to what the template sees for this call only: an item's fields (FilterItems), a
   * count (execution.Count).
   */
  render(template: unknown, variables?: Record<string, unknown>): Promise<unknown>;
  /** stores a file under this task run and returns its `ferry://` URI */
  putFile(name: string, body: Uint8Array | string): Promise<string>;
  /** reads a `ferry://` file of this execution (or of its namespace) */
  getFile(uri: string): Promise<Uint8Array>;
  /** the KV store, namespace-scoped */
  kv: KvAccess;
  /** paths of the flow's namespace files (`scripts/main.ts`), each readable with `getFile(namespaceFileUri(…))` */
  listNamespaceFiles(): Promise<string[]>;
  /**
   * A private, empty folder for this task run, made on first call. The worker removes it
   * once the task's `run` has settled (a task that starts processes waits for them first).
   */
  workingDirectory(): Promise<string>;
  /**
   * Files this flow's task keeps from one execution to the next (Kestra's cache files), under
   * `name`; `get` answers nothing once the file is older than `ttl` (ISO-8601), or when absent.
   */
  cacheFiles: CacheFilesAccess;
  /** reports a metric of this task run: a counter's increment, or a timer's duration in seconds */
  metric(name: string, value: number, options?: { type?: "counter" | "timer"; tags?: Record<string, string> }): void;
  /** removes stored history (Kestra's purge tasks); maintenance flows use it */
  purge: PurgeAccess;
  /**
   * The user the processes this task starts must run as (`worker.processUser`), so that they
   * cannot read the worker's environment, memory or files; absent: the worker's own user.
   */
  processUser?: ProcessUser;
  /** what a task may read of executions: counts and logs (Kestra's execution.Count, log.Fetch) */
  executions: ExecutionsAccess;
  /** a namespace's files, to list, read, write and delete (Kestra's namespace.* tasks) */
  namespaceFiles: NamespaceFilesAccess;
  /** the files this execution stored (Kestra's PurgeCurrentExecutionFiles) */
  executionFiles: ExecutionFilesAccess;
  /** enabling and disabling a flow's triggers (Kestra's trigger.Toggle) */
  triggers: TriggersAccess;
  /**
   * Runs another runnable task, given as `{type, ...properties}`, with this run context
   * (Kestra's TemplatedTask). Its properties are taken as they are, never rendered again:
   * the caller rendered them from the flow's template. A flowable, a subflow or an unknown
   * type fails, naming it.
   */
  runTask(spec: Record<string, unknown>): Promise<TaskOutputs | void>;
}


/** A task's files kept between executions of its flow (Kestra's StorageContext cache files), one per `name`. */
export interface CacheFilesAccess {
  get(name: string, options?: { ttl?: string }): Promise<Uint8Array | undefined>;
  put(name: string, body: Uint8Array): Promise<void>;
}

/** Execution counts and logs, as Kestra's execution.Count and log.Fetch read them. */
export interface ExecutionsAccess {
  /** executions matching, per flow or per namespace; each namespace within `namespaceInScope` */
  count(query: ExecutionCountQuery): Promise<ExecutionCountRow[]>;
  /**
   * The log lines of an execution (this one by default) at `minLevel` or above, of `taskIds`
   * when given, oldest first. Another execution must belong to `namespace`/`flowId` (this
   * flow's by default), as Kestra looks it up; one that does not has no lines.
   */
  logs(query: ExecutionLogsQuery): Promise<LogEntry[]>;
}

export interface ExecutionCountQuery {
  /** one row per flow, zero counts included */
  flows?: Array<{ namespace: string; flowId: string }>;
  /** one row per namespace (flowId absent), zero counts included */
  namespaces?: string[];
  /** any State.Type: those no execution has count nothing (a list of only those counts 0) */
  states?: readonly StateType[];
  /** ISO-8601: executions started at or after */
  startDate?: string;
  /** ISO-8601: executions started at or before */
  endDate?: string;
}

export interface ExecutionCountRow {
  namespace: string;
  flowId?: string;
  count: number;
}

export interface ExecutionLogsQuery {
  executionId?: string;
  namespace?: string;
  flowId?: string;
  taskIds?: string[];
  minLevel?: LogLevel;
}

/** What happens when a namespace file being written exists already (Kestra's Namespace.Conflicts). */
export type NamespaceFileConflict = "OVERWRITE" | "ERROR" | "SKIP";

/**
 * Namespace files: the flow's namespace by default; another one `namespaceInScope` allows (`namespaces.isolation`).
 * Paths are relative to the namespace's root (`scripts/main.py`; a leading `/` is dropped).
 * Written bytes have the run's secrets masked, as every store does.
 */
export interface NamespaceFilesAccess {
  /** every file's path, sorted */
  list(options?: { namespace?: string }): Promise<string[]>;
  get(path: string, options?: { namespace?: string }): Promise<Uint8Array | undefined>;
  /** returns the file's `ferry://` URI, or undefined when skipped (conflict SKIP) */
  put(path: string, body: Uint8Array | string, options?: { namespace?: string; conflict?: NamespaceFileConflict }): Promise<string | undefined>;
  /** false when there was no such file */
  delete(path: string, options?: { namespace?: string }): Promise<boolean>;
}

/** The files an execution stored: its FILE inputs and what its tasks wrote (not its records). */
export interface ExecutionFilesAccess {
  /**
   * Deletes this execution's files (with `children`, those of the subflow executions it
   * started, at any depth) and returns their `ferry://` URIs. Outputs and other records the
   * execution still needs stay.
   */
  purge(options?: { children?: boolean }): Promise<string[]>;
  /**
   * Deletes one file of this execution by its `ferry://` URI; false when it was not there. A URI
   * of another execution, or of a record rather than a file, fails (403) and deletes nothing.
   */
  delete(uri: string): Promise<boolean>;
}

export interface TriggersAccess {
  /**
   * Enables or disables a trigger of a live flow (this flow by default), as an operator's
   * switch does: a disabled schedule stops firing within seconds, and re-enabled it resumes
   * from now, without a backlog. Fails naming the flow or trigger when there is none.
   */
  setEnabled(ref: { namespace?: string; flowId?: string; triggerId: string }, enabled: boolean): Promise<void>;
}

/** an operating-system user and group, resolved by the worker from `worker.processUser` */
export interface ProcessUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Removal of stored history, as Kestra's PurgeExecutions, PurgeLogs and PurgeKV do it. Only
 * ended executions are ever removed; what they kept in storage goes with them.
 */
export interface PurgeAccess {
  /** `states` may name any State.Type: those no ended execution has match nothing (a list of only those purges nothing) */
  executions(query: Omit<EndedExecutionsQuery, "states"> & { states?: readonly StateType[] } & PurgeSelection): Promise<PurgeCounts>;
  /** returns how many log lines went */
  logs(query: LogsQuery): Promise<number>;
  /** returns how many pairs went */
  kv(query: KvPurgeQuery): Promise<number>;
  /** old revisions of live flows; never a flow's latest one. Returns how many revisions went */
  flows(query: FlowPurgeQuery): Promise<number>;
}

/** what of each execution a purge removes; everything when absent */
export interface PurgeSelection {
  executions?: boolean;
  logs?: boolean;
  metrics?: boolean;
  storage?: boolean;
}

export interface PurgeCounts {
  executionsCount: number;
  logsCount: number;
  metricsCount: number;
  /** storage objects removed */
  storagesCount: number;
}

export interface KvPurgeQuery {
  /** these namespaces (and, with includeChildNamespaces, their children); every namespace when absent */
  namespaces?: string[];
  /** a glob over namespace names (`company.*`) */
  namespacePattern?: string;
  includeChildNamespaces?: boolean;
  /** a glob over keys (`cache_*`) */
  keyPattern?: string;
  /** only pairs past their TTL (the default) */
  expiredOnly?: boolean;
}

/** which flows' old revisions a purge removes (Kestra's PurgeFlows and its Version behavior) */
export interface FlowPurgeQuery {
  /** these namespaces (and, with includeChildNamespaces, their children); every namespace when absent */
  namespaces?: string[];
  /** a glob over namespace names (`company.*`) */
  namespacePattern?: string;
  includeChildNamespaces?: boolean;
  /** a glob over flow ids (`*_deprecated`) */
  flowPattern?: string;
  /** keep this many newest revisions of each flow (at least 1) */
  keepAmount?: number;
  /** only revisions saved at or before this ISO-8601 instant; the latest revision stays regardless */
  before?: string;
}

/**
 * The KV store as a task sees it: the flow's namespace by default; another namespace when
 * `namespaces.isolation` lets the flow reach it (every one by default, as Kestra's open-source
 * edition; with `tree` its own, its parents' and kv.sharedNamespaces — anything else fails, naming both).
 */
export interface KvAccess {
  get(key: string, options?: { namespace?: string }): Promise<{ type: string; value: unknown } | undefined>;
  /** `keepExpiry`: without a `ttl`, the pair keeps the expiry it had (Kestra's kv.Put keeps a pair's metadata) */
  set(key: string, value: unknown, options?: { namespace?: string; type?: string; ttl?: string; overwrite?: boolean; keepExpiry?: boolean }): Promise<void>;
  keys(prefix?: string, options?: { namespace?: string }): Promise<string[]>;
  delete(key: string, options?: { namespace?: string }): Promise<boolean>;
}

/** Outputs are a JSON-serialisable map, exposed as `outputs.<taskId>.<key>`. */
export type TaskOutputs = Record<string, unknown>;

export interface TaskExample {
  title: string;
  /** a complete flow in YAML */
  flow: string;
}

interface TaskDefinitionBase<P> {
  /** stable type name, `<plugin>.<Name>` */
  type: string;
  /** a step a flowable makes itself (ForEachItem's `_split`, `_items`, `_merge`): a flow may not name it */
  internal?: boolean;
  /** other names the type answers to (Kestra's class names) */
  aliases?: string[];
  title: string;
  description?: string;
  /** properties after rendering; templates are allowed wherever a value is at deploy time */
  properties: z.ZodType<P>;
  /** documentation of the outputs */
  outputs?: z.ZodType;
  examples?: TaskExample[];
}

export interface RunnableTaskDefinition<P = any> extends TaskDefinitionBase<P> {
  kind: "runnable";
  /** property names whose values are rendered at run time by the task itself */
  rawProperties?: string[];
  run(ctx: RunContext, props: P): Promise<TaskOutputs | void>;
}

/**
 * A branch of child tasks a flowable chose. `path` points into the task's own definition
 * (`["then"]`, `["cases", "gold"]`, `["tasks", "2"]`), so a plan stays small and serialisable.
 */
export interface FlowableBranch {
  path: string[];
  /** iteration value children see as `taskrun.value` (ForEach) */
  value?: string;
  /** ids of sibling tasks of this flowable that must have ended before this branch starts (Dag's `dependsOn`) */
  dependsOn?: string[];
  /** the iteration of a Loop this branch is: what every task below it reads as `item` */
  item?: LoopItem;
}

/** one iteration of Kestra's Loop: `item.index` (from 0), `item.value`, and `item.key` when the values were a map */
export interface LoopItem {
  index: number;
  value: string;
  key?: string;
}

export interface FlowablePlan {
  branches: FlowableBranch[];
  /** how many branches may run at once; 0 = unlimited */
  concurrency: number;
  outputs?: TaskOutputs;
  /** a child's failure ends the flowable WARNING, not FAILED (Kestra's AllowFailure) */
  allowFailure?: boolean;
  /**
   * Once a branch has a task run FAILED (no retry left), the task runs still open below the
   * flowable end in this state and no branch starts; the flowable ends FAILED, then runs its
   * `errors` and `finally` (Kestra's Parallel `failFast`: KILLED; Dag `onChildFailure`).
   */
  stopSiblings?: "KILLED" | "CANCELLED" | "FAILED";
  /** the flowable first pauses its execution, before any branch starts (Kestra's Pause) */
  pause?: FlowablePause;
  /** the flowable runs its one branch again and again until `condition` holds (Kestra's LoopUntil) */
  loop?: FlowableLoop;
  /** the flowable runs `onWait`, pauses until reviewed (or expired), then runs the decision's branch (Kestra's Approval) */
  approval?: FlowableApproval;
  /** each branch is an iteration with its own outcome, `errors` and `finally` (Kestra's Loop) */
  iterations?: FlowableIterations;
  /** set by the executor from the task's `timeout`: once passed since the run started, its children are killed and it fails */
  timeoutMs?: number;
  /**
   * The flowable's `tasks` run on one worker, sent as one job, one after another in one folder
   * (Kestra's WorkingDirectory): its definition's `sharedFolder` prepares and concludes it.
   */
  worker?: boolean;
}

/**
 * How a looping flowable repeats (Kestra's LoopUntil, alias WaitFor). After each iteration whose
 * children all ended without failing, the executor checks the maximums, then renders
 * `condition`: truthy ends the loop; falsy waits `intervalMs` (the task run and its execution
 * PAUSED meanwhile, as Kestra's pauseFlowable does), then drops the iteration's task runs and
 * starts the next. The executor keeps `iteration` and `waitingSince` up to date in the plan.
 */
export interface FlowableLoop {
  /** the template rendered after each iteration, unrendered */
  condition: unknown;
  intervalMs: number;
  maxIterations?: number;
  maxDurationMs?: number;
  failOnMaxReached: boolean;
  /** the iteration running or just ended, from 1: the loop's `iterationCount` output */
  iteration: number;
  /** set while waiting the interval before the next iteration */
  waitingSince?: string;
}

/**
 * How Kestra's Loop runs its iterations (its branches, each with an `item`). Each is a
 * sub-execution of kind LOOP that runs the flowable's `tasks`, then its `errors` when they
 * failed, then its `finally`; its outcome is theirs. As one ends, its declared `outputs` are
 * rendered against it, then `breakWhen` (`item`, `iteration.state`, `iteration.outputs`), and it
 * is recorded in `ended`. A failed iteration with `transmitFailed` ends the flowable FAILED at
 * once (the iterations still running go on, as in Kestra); a truthy `breakWhen` starts no more
 * iterations, and the flowable ends SUCCESS once the started ones ended. Its outputs: `iterationCount`, `runningIterations`,
 * `terminatedIterations` (by state) and, with `outputs` declared, `outputs` (one
 * `{item: {value, iteration, key}, outputs}` per iteration, or `{uri}` stored with STORE).
 */
export interface FlowableIterations {
  transmitFailed: boolean;
  /** unrendered */
  breakWhen?: unknown;
  /** the Loop's `outputs` declarations (flow outputs' shape), unrendered */
  outputs?: Array<{ id: string; type?: string; value: unknown; required?: boolean; displayName?: string }>;
  /** FETCH keeps each iteration's outputs in the Loop's outputs, STORE writes them to internal storage */
  fetchType: "FETCH" | "STORE";
  /** `values` read from a file: the byte just past each value's line, by branch index (the Loop's `nextOffset` output) */
  offsets?: number[];
  /** set by the executor: the sub-execution of each started iteration, by branch index */
  children?: string[];
  /** set by the executor: the iterations paused (a Pause in their sub-execution), by branch index */
  paused?: number[];
  /** set by the executor: the ended iterations' states, by branch index */
  ended?: Record<string, string>;
  /** set by the executor: a `breakWhen` held, or a failure was transmitted: no iteration starts any more */
  stopped?: "break" | "failed";
  /** set by the executor: how often it rewrote the plan (each version under a key of its own) */
  revision?: number;
}

/**
 * What a flowable whose children share one folder on one worker does around them (Kestra's
 * WorkingDirectory). The worker renders the flowable's own properties, makes the folder
 * (`ctx.workingDirectory()` answers it to the hooks and to every child), then calls
 * `prepare`, runs the runnable children in order — each its own task run — until one fails,
 * then calls `conclude`, whatever the children's outcome.
 */
export interface SharedFolderHooks<P> {
  /** fills the folder before the first child (input files, namespace files, a restored cache) */
  prepare(ctx: RunContext, props: P): Promise<void>;
  /** after the children: the flowable's outputs (output files), and what it keeps (a cache, after a success) */
  conclude(ctx: RunContext, props: P, outcome: "SUCCESS" | "WARNING" | "FAILED" | "KILLED"): Promise<TaskOutputs | void>;
}

/**
 * How a pausing flowable waits. The executor holds the pause (the task run and the execution
 * go PAUSED) until it is resumed through the API, or until `afterMs` has passed since it
 * paused; then the task run takes `onElapsed`.
 */
export interface FlowablePause {
  /** how long the pause lasts at most; absent: until resumed */
  afterMs?: number;
  /**
   * What the task run becomes once `afterMs` passed: RUNNING goes on as a resume does,
   * WARNING goes on and ends the task run WARNING, FAILED fails it, CANCELLED cancels the
   * execution.
   */
  onElapsed: "RUNNING" | "WARNING" | "FAILED" | "CANCELLED";
  /** set by the executor once the pause elapsed with WARNING: the task run ends WARNING at the latest */
  warned?: boolean;
  /** set by the executor when the pause elapsed with FAILED while the task has `errors` or `finally`: they run, then it ends FAILED */
  failed?: boolean;
  /**
   * Kestra's Sleep rather than its Pause: the task run waits RUNNING, its execution keeps
   * running and nothing resumes it; `afterMs` ends it (SUCCESS, or FAILED when the task's
   * shorter `timeout` set `onElapsed`). The executor records when it started and ended.
   */
  sleep?: { duration: string; since?: string; elapsed?: boolean };
}

/** what an Approval's reviewer, its expiry or its `autoApprove` decided */
export type ApprovalDecision = "APPROVED" | "DENIED" | "EXPIRED";
/** what an Approval does to its task run and its execution once the decision's branch ended without error (Kestra's Approval.Behavior) */
export type ApprovalBehavior = "CONTINUE" | "WARN" | "FAIL" | "SUCCEED" | "CANCEL" | "KILL";
export type ApprovalCommentRequired = "NEVER" | "ALWAYS" | "ON_DENY" | "ON_APPROVE";

/**
 * How an approving flowable waits (Kestra's Approval). Its plan's branches are first its
 * `waitPath` (none when absent); once they ended without error the task run and its execution
 * go PAUSED until a review (the API) or `expireMs` past the PAUSED date. The executor then
 * writes `decision` and replaces the branches by the decision's path (none when EXPIRED);
 * once they, `errors` and `finally` ended without error, `behaviors[decision]` sets the task
 * run's state, and SUCCEED, CANCEL or KILL end the execution too.
 */
export interface FlowableApproval {
  /** the path of the decision's branch */
  approvePath: string[];
  denyPath: string[];
  behaviors: Record<ApprovalDecision, ApprovalBehavior>;
  commentRequired: ApprovalCommentRequired;
  /** the names a review may give the two decisions beside APPROVED and DENIED (Kestra's `decisions`) */
  decisionNames: { approve: string; deny: string };
  /** how long the request waits for a review once PAUSED; absent: until reviewed */
  expireMs?: number;
  /** set once decided (at plan time when `autoApprove` held) */
  decision?: ApprovalDecision;
}

export interface FlowableContext extends RunIdentity {
  logger: TaskLogger;
  render(template: unknown): Promise<unknown>;
}

/**
 * A flowable task is resolved by the executor, not run by a worker: it chooses which of
 * its child task lists run, and how many at once.
 */
export interface FlowableTaskDefinition<P = any> extends TaskDefinitionBase<P> {
  kind: "flowable";
  /** properties holding child tasks: a task list, or a map of task lists (`cases`) */
  taskProperties: string[];
  /** property names rendered by `plan` itself rather than before it */
  rawProperties?: string[];
  /**
   * Properties holding lists of input definitions, typed and checked at deploy exactly as the
   * flow's `inputs` are (Pause's `onResume`); they are never rendered (list them in rawProperties too).
   */
  inputProperties?: string[];
  /**
   * How a PAUSED task run of this type is ended from outside: `resume` (Pause; the resume API
   * with its inputs) or `review` (Approval; the review API with a decision). `resume` when absent.
   */
  pausedBy?: "resume" | "review";
  /**
   * Where child tasks sit when not directly in `taskProperties` lists or maps of lists
   * (Dag's `tasks: [{task, dependsOn}]`): each list of child tasks with its property path.
   */
  taskLists?(spec: Record<string, unknown>): Array<[Array<string | number>, unknown[]]>;
  plan(ctx: FlowableContext, props: P): Promise<FlowablePlan>;
  /** set when the plan says `worker`: the flowable's children run on one worker in one folder */
  sharedFolder?: SharedFolderHooks<P>;
}

/** What an execution task changes in the running execution (Kestra's ExecutionUpdatableTask). */
export interface ExecutionChange {
  /** labels added or replaced */
  labels?: Record<string, string>;
  /** the execution's variables (`vars`) from now on: the whole map */
  variables?: Record<string, unknown>;
  /** ends the execution in this state (Kestra's Exit) */
  exit?: "SUCCESS" | "WARNING" | "FAILED" | "KILLED" | "CANCELLED";
  /**
   * with exit KILLED (Kestra's Kill `propagateKill`): true kills every execution this one
   * started as a subflow, waited on or not; false spares them all. Unset (Exit's KILLED): those
   * still waited on are killed with it.
   */
  killChildren?: boolean;
  /**
   * resumes a PAUSED execution (this one, or another of the flow named), with its Pause's
   * onResume inputs (Kestra's execution.Resume); the task fails when it cannot be resumed
   */
  resume?: { executionId: string; namespace: string; flowId: string; inputs?: Record<string, unknown> };
}

export interface ExecutionTaskContext extends RunIdentity {
  logger: TaskLogger;
  render(template: unknown): Promise<unknown>;
  /** the execution as it stands: its labels and variables (`vars`) */
  labels: Record<string, string>;
  variables: Record<string, unknown>;
}

/**
 * An execution task is resolved by the executor, not run by a worker: it changes the running
 * execution itself (labels, variables, its end), as Kestra's Labels, SetVariables and Exit do.
 */
export interface ExecutionTaskDefinition<P = any> extends TaskDefinitionBase<P> {
  kind: "execution";
  update(ctx: ExecutionTaskContext, props: P): Promise<ExecutionChange>;
}

/** A subflow task starts another flow's execution; the executor owns it. */
export interface SubflowTaskDefinition<P = any> extends TaskDefinitionBase<P> {
  kind: "subflow";
  /** property names rendered by the executor itself, later (Subflow's `outputs`, against the child execution) */
  rawProperties?: string[];
  target(props: P): {
    namespace: string;
    flowId: string;
    revision?: number;
    inputs: Record<string, unknown>;
    labels?: Record<string, string>;
    /** the child gets the parent's labels, its own over them */
    inheritLabels?: boolean;
    wait: boolean;
    transmitFailed: boolean;
    /** the batch this child runs (ForEachItem): its trigger's `taskRunIteration`, as Kestra sets it */
    iteration?: number;
    /** Kestra's scheduleDate (ISO-8601 with an offset): the child is created now and starts then */
    scheduleDate?: string;
  };
  /**
   * One child execution per batch rather than one (Kestra's ForEachItem): `splits` names a file
   * of storage URIs, one batch per line; `inputs` (kept raw: list it in rawProperties) is
   * rendered once per batch with `taskrun.items` (its URI) and `taskrun.iteration` (from 0).
   * The task run ends once every child ended, with outputs `numberOfBatches`, `iterations`
   * (children by state) and `uri` (the children's outputs, one JSON line each, in order).
   */
  batches?(props: P): { splits: string; inputs: unknown };
}

export type TaskDefinition<P = any> = RunnableTaskDefinition<P> | FlowableTaskDefinition<P> | SubflowTaskDefinition<P> | ExecutionTaskDefinition<P>;

export function defineTask<P>(definition: RunnableTaskDefinition<P>): RunnableTaskDefinition<P>;
export function defineTask<P>(definition: FlowableTaskDefinition<P>): FlowableTaskDefinition<P>;
export function defineTask<P>(definition: SubflowTaskDefinition<P>): SubflowTaskDefinition<P>;
export function defineTask<P>(definition: ExecutionTaskDefinition<P>): ExecutionTaskDefinition<P>;
export function defineTask<P>(definition: TaskDefinition<P>): TaskDefinition<P> {
  return definition;
}
