import type { ExecutionState } from "./states.js";
import type { ExecutionRecord, LogEntry, LogLevel, MetricEntry, TaskRunRecord } from "./model.js";
import type { ExecutionSearch } from "./repository.js";

/** a log line as the primary numbered it: `seq` is its global, unique, increasing number */
export interface HistoryLogEntry extends LogEntry {
  seq: number;
}

/** a metric as the primary numbered it */
export interface HistoryMetricEntry extends MetricEntry {
  seq: number;
}

/** one execution as of one save, with its task runs as of the same save */
export interface HistoryExecution {
  execution: ExecutionRecord;
  taskRuns: TaskRunRecord[];
}

/** what the exporter sends in one write */
export interface HistoryBatch {
  executions: HistoryExecution[];
  logs: HistoryLogEntry[];
  metrics: HistoryMetricEntry[];
}

/**
 * Where the exporter stands in the primary's change streams: the last execution change
 * exported, by (`updated`, `id`) ("" for none yet), and the last log and metric `seq`
 * below which nothing is still missing.
 */
export interface HistoryPosition {
  executions: { updated: string; id: string };
  logs: number;
  metrics: number;
}

export const START_POSITION: HistoryPosition = { executions: { updated: "", id: "" }, logs: 0, metrics: 0 };

/** what a history search filters on: the repository's search, its pagination replaced by HistoryPageRequest's */
export type HistorySearch = Omit<ExecutionSearch, "after" | "countUpTo">;

/** keyset pagination: `after` is the `next` of the previous page; `page` (1-based) skips by offset instead */
export interface HistoryPageRequest {
  size: number;
  after?: string;
  page?: number;
  /** count exactly only up to this many; past it `total` may be an estimate (`totalEstimated`) */
  countUpTo?: number;
}

/** `next` is absent on the last page */
export interface HistoryPage<T> {
  results: T[];
  total: number;
  /** `total` is an estimate: more matched than `countUpTo` */
  totalEstimated?: boolean;
  next?: string;
}

export interface HistoryLogFilter {
  taskId?: string;
  taskRunId?: string;
  minLevel?: LogLevel;
}

export interface HistoryMetricFilter {
  taskId?: string;
  taskRunId?: string;
}

/** full-text search over log lines of every execution, newest first */
export interface HistoryLogSearch extends HistoryPageRequest {
  /** words every matching line holds (case-insensitive, whole words) */
  q: string;
  namespace?: string;
  flowId?: string;
  minLevel?: LogLevel;
  /** ISO-8601, inclusive */
  from?: string;
  /** ISO-8601, exclusive */
  to?: string;
}

/**
 * Executions created in [from, to), counted per state: per bucket of their creation time
 * (`hour`, `day`, UTC), or per flow over the whole range (`flow`). What the dashboard shows,
 * answered by one GROUP BY in the store rather than by paging through a search.
 */
export interface StateCountsQuery {
  namespace?: string;
  flowId?: string;
  from: string;
  to: string;
  groupBy: "hour" | "day" | "flow";
}

/** seconds from creation to end (the last, terminal update) over the counted executions */
export interface DurationSummary {
  min: number;
  max: number;
  sum: number;
}

export interface StateCount {
  /** the bucket's start, ISO-8601 UTC (groupBy hour or day) */
  bucket?: string;
  /** the flow (groupBy flow) */
  namespace?: string;
  flowId?: string;
  state: ExecutionState;
  count: number;
  /** for an ended state only: executions not ended have no duration yet */
  duration?: DurationSummary;
}

/**
 * Secondary storage (Camunda's): where the history the API and UI search is served from,
 * apart from the primary repository that runs executions.
 *
 * - `source` says how it is fed: `primary` answers from the primary repository itself
 *   (nothing is exported to it); `exported` is fed by the exporter; `none` answers every
 *   query with a HistoryNotConfiguredError.
 * - `write` is idempotent and atomic with its position: the batch and `position` are stored
 *   together or not at all, so an exporter that crashes between two writes resumes where the
 *   last one ended. Writing a batch again stores nothing twice (logs and metrics are keyed
 *   by `seq`); an execution older than the stored one (by `version`, then `updated`) is
 *   ignored, so out-of-order and concurrent writers keep the newest.
 * - Searches see what was written, ordered newest first (executions by id, which is
 *   time-ordered), with keyset pages.
 * - Out of reach, every method rejects with an OperationalError (the API answers 503).
 *
 * Left out on purpose: running executions (the API reads those from the primary) and any
 * user data values (history holds the same pointers the primary holds).
 */
export interface HistoryStore {
  init?(): Promise<void>;
  close?(): Promise<void>;
  readonly source: "primary" | "exported" | "none";

  write(batch: HistoryBatch, position: HistoryPosition): Promise<void>;
  /** the position stored by the last write; undefined before any */
  position(): Promise<HistoryPosition | undefined>;
  /**
   * Rebuild generations: `beginRebuild` makes an empty generation beside the live one (an
   * unfinished one, left by a rebuild that died, is dropped first). From then on `write` and
   * `position` address the new generation, while every search still reads the live one, whole.
   * `finishRebuild` makes the new generation live at once and drops the old one (nothing to do
   * when no rebuild is under way). The state is the store's, durably: after a restart,
   * `rebuilding` says a rebuild is to be finished, and `position` is where it stood.
   */
  beginRebuild(): Promise<void>;
  finishRebuild(): Promise<void>;
  rebuilding(): Promise<boolean>;
  /** throws an OperationalError when the store is out of reach */
  ping(): Promise<void>;

  searchExecutions(query: HistorySearch & HistoryPageRequest): Promise<HistoryPage<ExecutionRecord>>;
  getExecution(id: string): Promise<HistoryExecution | undefined>;
  /** the execution's lines in the order the primary numbered them */
  findLogs(executionId: string, filter?: HistoryLogFilter): Promise<LogEntry[]>;
  searchLogs(query: HistoryLogSearch): Promise<HistoryPage<LogEntry>>;
  /** the execution's metrics in the order the primary numbered them */
  findMetrics(executionId: string, filter?: HistoryMetricFilter): Promise<MetricEntry[]>;
  /** groups with no execution are left out */
  countStates(query: StateCountsQuery): Promise<StateCount[]>;
}
