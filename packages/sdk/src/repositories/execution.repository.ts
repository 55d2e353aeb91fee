import type { ExecutionState } from "../states.js";
import type { EndedExecutionsQuery, ExecutionRecord, Page, PageRequest, TaskRunRecord } from "../model.js";
import type { StateCount, StateCountsQuery } from "../history.js";

export interface ExecutionSearch {
  /** the namespace and its children; with `flowId`, exactly this namespace (a flow is named by both, as in Kestra) */
  namespace?: string;
  flowId?: string;
  state?: ExecutionState[];
  /** Kestra's execution kind: normal executions unless LOOP is asked (a Loop's iterations, its sub-executions) */
  kind?: "NORMAL" | "LOOP";
  /** executions started by this one: its Subflows' (since the repository recorded parents apart) or its Loops' iterations */
  parentId?: string;
  startedAfter?: string;
  endedBefore?: string;
  /** every one of these labels, with exactly this value */
  labels?: Record<string, string>;
  /**
   * keyset pagination: only executions after this one in the search's order (newest first:
   * `created` descending, then `id` descending). Each page then costs the same however deep it
   * is, where an offset makes the database walk every row before it. `page` must be 1 with it.
   */
  after?: ExecutionCursor;
  /**
   * count exactly only up to this many matches; past it `total` is the database's estimate and
   * the page says `totalEstimated`. Without it the count is exact (the execution.Count task
   * needs exact figures), which over millions of executions costs a full index walk.
   */
  countUpTo?: number;
}

/** where a page of executions ended: the last execution's creation date and id */
export interface ExecutionCursor {
  created: string;
  id: string;
}

/** an execution not yet terminal, as listed for reconciliation */
export interface UnfinishedExecution {
  id: string;
  state: ExecutionState;
  /** its last save (ISO-8601 UTC) */
  updated: string;
}

/**
 * Executions and their task runs.
 *
 * - `saveExecution` writes the execution and the given task runs in one transaction; task runs
 *   are upserted by id, never deleted by it. With `expectedVersion`, it saves only if the stored
 *   execution still has that version (else ConflictError, nothing written) and stores
 *   version + 1: two executors never both advance one execution.
 * - `insertExecution` writes a NEW execution (at its `version`, 0 when unset) and the given task
 *   runs in one transaction; when an execution with that id exists, nothing is written and it
 *   throws AlreadyExistsError (409). What a new execution's first event saves goes in with its
 *   row (one commit where a create and a save were two).
 * - `getExecution` reads the execution and its task runs from one snapshot: never an execution
 *   as of one save beside task runs as of another.
 * - Purges only ever remove ended executions (terminal states), oldest first, and remove an
 *   execution's task runs with it in one transaction. Storage is the caller's to purge.
 */
export interface ExecutionRepository {
  saveExecution(execution: ExecutionRecord, taskRuns?: TaskRunRecord[], options?: { expectedVersion?: number }): Promise<void>;
  insertExecution(execution: ExecutionRecord, taskRuns?: TaskRunRecord[]): Promise<void>;
  getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined>;
  /**
   * newest first; `startedAfter` keeps executions created at or after it, `endedBefore` those
   * ended at or before it (Kestra's startDate and endDate), both ISO-8601 UTC
   */
  searchExecutions(query: ExecutionSearch & PageRequest): Promise<Page<ExecutionRecord>>;
  /**
   * counts per state, grouped in the database (what the dashboard and the `repository` history
   * store answer from). Optional for plugins: without it, the counts page through the search.
   */
  countExecutionStates?(query: StateCountsQuery): Promise<StateCount[]>;
  /**
   * executions not yet terminal, by id, with their state and last update: what reconciliation
   * after a restart or a lost queue starts from, and how the reconciler tells which changed
   */
  listUnfinishedExecutions(): Promise<UnfinishedExecution[]>;
  deleteTaskRuns(executionId: string, taskRunIds: string[]): Promise<void>;
  /** ended executions matching, oldest end first, at most `limit` */
  findEndedExecutions(query: EndedExecutionsQuery, limit: number): Promise<ExecutionRecord[]>;
  /**
   * Removes what is asked of these executions: their records and task runs, their logs,
   * their metrics; returns how many of each went. Executions not ended are left alone.
   */
  purgeExecutions(ids: string[], what: { executions: boolean; logs: boolean; metrics: boolean }): Promise<{ executions: number; logs: number; metrics: number }>;
  /**
   * How this process's hot-path writes (execution saves and inserts, log appends) have fared
   * since `since` (a `performance.now()` time): what work that must yield to them (the purge)
   * paces itself by. Optional: a repository that does not time its writes leaves it out.
   */
  hotWriteLatency?(since: number): HotWriteLatency;
}

/** this process's hot-path writes over a span of time (ExecutionRepository.hotWriteLatency) */
export interface HotWriteLatency {
  /** how long each write that ended after the span began took, in ms (the latest few hundred at most) */
  ended: number[];
  /** how long the oldest write still running has waited so far, in ms; 0 when none runs */
  waitingMs: number;
}
