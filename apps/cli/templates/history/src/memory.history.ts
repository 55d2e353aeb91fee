import {
  countByGroup, isTerminal, LOG_LEVELS, UserError, type ExecutionRecord, type HistoryBatch, type HistoryExecution, type HistoryLogEntry, type HistoryLogFilter, type HistoryLogSearch,
  type HistoryMetricEntry, type HistoryMetricFilter, type HistoryPage, type HistoryPageRequest, type HistoryPosition, type HistorySearch, type HistoryStore, type LogEntry,
  type MetricEntry, type StateCount, type StateCountsQuery,
} from "@ferry/sdk";

/*
 * A starting point: history kept in this process's memory, passing the history contract suite
 * (src/memory.history.test.ts). Replace the Maps with your store's tables or indexes, keeping
 * what the HistoryStore interface asks (node_modules/@ferry/sdk/dist/history.d.ts): a batch
 * and its position stored together or not at all, nothing stored twice (executions keep their
 * newest version, lines and metrics are keyed by `seq`), a position that never moves back,
 * a rebuild written into a new generation while searches read the live one, searches newest
 * first with keyset pages, and an OperationalError when out of reach.
 * Everything here, the position too, is lost when the process stops; the server's exporter then
 * exports the primary into it again from the start (so history.primaryRetention must stay unset).
 */

const copy = <T>(value: T): T => structuredClone(value);
/** the namespace and its children (`company` matches `company.team`); with a flow id, exactly it (a flow is named by both) */
const inNamespace = (namespace: string, filter: string | undefined, exact: boolean) =>
  !filter || namespace === filter || (!exact && namespace.startsWith(`${filter}.`));
/** whole words, case-insensitive: what a line is found by */
const wordsOf = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(Boolean);
const byDescending = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0);
/** log lines sort by time, then by the primary's numbering; the same fixed-width key is the cursor */
const logKey = (line: HistoryLogEntry) => `${new Date(line.timestamp).toISOString()}|${String(line.seq).padStart(16, "0")}`;
const LOG_CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|\d{16}$/;

/** one generation of history: what the export wrote, and where it stood */
interface Generation {
  entries: Map<string, Entry>;
  position?: HistoryPosition;
}
const newGeneration = (): Generation => ({ entries: new Map() });

/** one execution's history: its record once exported, its lines and metrics (which may come first) */
interface Entry {
  record?: HistoryExecution;
  logs: Map<number, HistoryLogEntry>;
  metrics: Map<number, HistoryMetricEntry>;
}

function newer(stored: ExecutionRecord, written: ExecutionRecord): boolean {
  const [a, b] = [stored.version ?? 0, written.version ?? 0];
  return b > a || (b === a && written.updated > stored.updated);
}

function furthest(stored: HistoryPosition | undefined, written: HistoryPosition): HistoryPosition {
  if (!stored) return copy(written);
  const key = (p: HistoryPosition) => `${p.executions.updated}\u0000${p.executions.id}`;
  return {
    executions: key(written) > key(stored) ? { ...written.executions } : stored.executions,
    logs: Math.max(stored.logs, written.logs),
    metrics: Math.max(stored.metrics, written.metrics),
  };
}

/** a page of `all` (sorted newest first): after the cursor, or by offset */
function pageOf<T>(all: T[], request: HistoryPageRequest, cursor: (t: T) => string, after: (t: T) => boolean): HistoryPage<T> {
  const rest = request.after ? all.filter(after) : all.slice(((request.page ?? 1) - 1) * request.size);
  const results = rest.slice(0, request.size);
  const last = results.at(-1);
  return { results, total: all.length, ...(last && results.length === request.size && rest.length > request.size ? { next: cursor(last) } : {}) };
}

export class AcmeHistoryStore implements HistoryStore {
  readonly source = "exported" as const;
  /** what searches read */
  private live: Generation = newGeneration();
  /** a rebuild's generation, filled beside the live one until finishRebuild makes it live */
  private next?: Generation;

  /** at most this many executions are kept; past it the oldest go, with their lines and metrics */
  constructor(private readonly maxExecutions = 100_000) {}

  async init(): Promise<void> {
    // connect to your store and create its layout here (create() must not: a bad option is reported before anything opens)
  }

  async close(): Promise<void> {}

  async ping(): Promise<void> {
    // reach your store here; throw an OperationalError (from @ferry/sdk) when it is out of reach
  }

  // one synchronous step: nothing else runs between the batch and its position (a database does both in one transaction)
  async write(batch: HistoryBatch, position: HistoryPosition): Promise<void> {
    const target = this.next ?? this.live;
    const entry = (executionId: string): Entry => {
      let found = target.entries.get(executionId);
      if (!found) target.entries.set(executionId, (found = { logs: new Map(), metrics: new Map() }));
      return found;
    };
    for (const written of batch.executions) {
      const stored = entry(written.execution.id);
      if (!stored.record || newer(stored.record.execution, written.execution)) stored.record = copy(written);
    }
    for (const line of batch.logs) entry(line.executionId).logs.set(line.seq, copy(line));
    for (const metric of batch.metrics) entry(metric.executionId).metrics.set(metric.seq, copy(metric));
    target.position = furthest(target.position, position);
    this.evict(target);
  }

  /** past the bound, down to 90% of it: ids are UUIDv7, so the smallest are the oldest */
  private evict(generation: Generation): void {
    const { entries } = generation;
    if (entries.size <= this.maxExecutions) return;
    const oldest = [...entries.keys()].sort().slice(0, entries.size - Math.floor(this.maxExecutions * 0.9));
    for (const id of oldest) entries.delete(id);
  }

  /** the export's position in the generation being written (a rebuild's, while one is under way) */
  async position(): Promise<HistoryPosition | undefined> {
    const { position } = this.next ?? this.live;
    return position && copy(position);
  }

  // a database keeps generations as tables or key prefixes and switches which one is live in one transaction
  async beginRebuild(): Promise<void> {
    this.next = newGeneration();
  }

  async finishRebuild(): Promise<void> {
    if (!this.next) return;
    this.live = this.next;
    this.next = undefined;
  }

  async rebuilding(): Promise<boolean> {
    return this.next !== undefined;
  }

  async searchExecutions(query: HistorySearch & HistoryPageRequest): Promise<HistoryPage<ExecutionRecord>> {
    const found: ExecutionRecord[] = [];
    for (const { record } of this.live.entries.values()) {
      const e = record?.execution;
      if (
        e &&
        inNamespace(e.namespace, query.namespace, Boolean(query.flowId)) &&
        (!query.flowId || e.flowId === query.flowId) &&
        (!query.state?.length || query.state.includes(e.state.current)) &&
        // a Loop's iterations only when asked for
        (query.kind === "LOOP" ? e.kind === "LOOP" : e.kind === undefined) &&
        (!query.parentId || e.parent?.executionId === query.parentId) &&
        Object.entries(query.labels ?? {}).every(([key, value]) => e.labels[key] === value) &&
        (!query.startedAfter || e.created >= query.startedAfter) &&
        // an ended execution's last update is its end
        (!query.endedBefore || (isTerminal(e.state.current) && e.updated <= query.endedBefore))
      ) found.push(e);
    }
    // newest first: ids are UUIDv7, time-ordered; the cursor is the last id of the page
    found.sort(byDescending((e) => e.id));
    return copy(pageOf(found, query, (e) => e.id, (e) => e.id < query.after!));
  }

  async getExecution(id: string): Promise<HistoryExecution | undefined> {
    const record = this.live.entries.get(id)?.record;
    return record && copy(record);
  }

  async findLogs(executionId: string, filter: HistoryLogFilter = {}): Promise<LogEntry[]> {
    const lines = [...(this.live.entries.get(executionId)?.logs.values() ?? [])]
      .filter((l) => (!filter.taskId || l.taskId === filter.taskId) && (!filter.taskRunId || l.taskRunId === filter.taskRunId) && atLeast(l, filter.minLevel))
      .sort((a, b) => a.seq - b.seq);
    return lines.map(withoutSeq);
  }

  async findMetrics(executionId: string, filter: HistoryMetricFilter = {}): Promise<MetricEntry[]> {
    const metrics = [...(this.live.entries.get(executionId)?.metrics.values() ?? [])]
      .filter((m) => (!filter.taskId || m.taskId === filter.taskId) && (!filter.taskRunId || m.taskRunId === filter.taskRunId))
      .sort((a, b) => a.seq - b.seq);
    return metrics.map(withoutSeq);
  }

  async searchLogs(query: HistoryLogSearch): Promise<HistoryPage<LogEntry>> {
    const words = wordsOf(query.q);
    if (!words.length) throw new UserError("a log search needs words to look for (q)", { status: 400 });
    if (query.after !== undefined && !LOG_CURSOR.test(query.after)) throw new UserError("query parameter 'after' is not a cursor this API gave (use the 'next' of the previous page)", { status: 400 });
    const found: HistoryLogEntry[] = [];
    for (const entry of this.live.entries.values()) {
      for (const line of entry.logs.values()) {
        if (!inNamespace(line.namespace, query.namespace, false) || (query.flowId && line.flowId !== query.flowId) || !atLeast(line, query.minLevel)) continue;
        const at = new Date(line.timestamp).toISOString();
        if ((query.from && at < new Date(query.from).toISOString()) || (query.to && at >= new Date(query.to).toISOString())) continue;
        const has = new Set(wordsOf(line.message));
        if (words.every((w) => has.has(w))) found.push(line);
      }
    }
    found.sort(byDescending(logKey));
    const page = pageOf(found, query, logKey, (l) => logKey(l) < query.after!);
    return { ...page, results: page.results.map(withoutSeq) };
  }

  /** per bucket of creation time (or per flow) and state, with the durations of the ended ones */
  async countStates(query: StateCountsQuery): Promise<StateCount[]> {
    const executions = [...this.live.entries.values()]
      .map(({ record }) => record?.execution)
      // a Loop's iterations are not counted: parts of their execution
      .filter((e): e is ExecutionRecord => e !== undefined && e.kind === undefined && inNamespace(e.namespace, query.namespace, Boolean(query.flowId)) && (!query.flowId || e.flowId === query.flowId));
    return countByGroup(executions, query);
  }
}

function atLeast(line: LogEntry, minLevel: HistoryLogFilter["minLevel"]): boolean {
  return !minLevel || LOG_LEVELS.indexOf(line.level) >= LOG_LEVELS.indexOf(minLevel);
}

function withoutSeq<T extends { seq: number }>({ seq: _seq, ...rest }: T): Omit<T, "seq"> {
  return copy(rest);
}

