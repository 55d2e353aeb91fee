import {
  AlreadyExistsError, ConflictError, countByGroup, isTerminal, NotFoundError, type ConcurrencySlotRecord, type ConnectionRecord, type EndedExecutionsQuery, type ExecutionRecord, type ExecutionSearch, type FlowRecord, type KvRecord, type LogEntry, type LogLevel,
  type LogsQuery, type MetricEntry, type Page, type PageRequest, type Repository, type SecretRecord, type StateCount, type StateCountsQuery, type TaskCacheRecord, type TaskRunRecord, type TriggerRef,
  type TriggerStateRecord,
} from "@ferry/sdk";

/*
 * A starting point: every Repository method, kept in Maps in this process, passing the
 * repository contract suite (src/memory.repository.test.ts). Replace each Map with your
 * database's tables, keeping what the interface's doc comment asks (read in
 * node_modules/@ferry/sdk/dist/repository.d.ts): copies out, one transaction per save,
 * atomic claims and concurrency slots. Everything here is lost when the process stops.
 */

const copy = <T>(value: T): T => structuredClone(value);
const LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };
/** the namespace and its children (`company` matches `company.team`), every namespace without one */
const inNamespace = (namespace: string, filter: string | undefined) => !filter || namespace === filter || namespace.startsWith(`${filter}.`);
const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
const page = <T>(all: T[], request: PageRequest): Page<T> => ({ results: all.slice((request.page - 1) * request.size, request.page * request.size), total: all.length });
const triggerKey = (ref: TriggerRef) => `${ref.namespace}\u0000${ref.flowId}\u0000${ref.triggerId}`;
const pairKey = (namespace: string, name: string) => `${namespace}\u0000${name}`;

export class AcmeRepository implements Repository {
  private readonly flows = new Map<string, FlowRecord[]>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly taskRuns = new Map<string, Map<string, TaskRunRecord>>();
  private logs: LogEntry[] = [];
  private metrics: MetricEntry[] = [];
  private readonly triggers = new Map<string, TriggerStateRecord>();
  private readonly claims = new Map<string, { executionId: string; expires: string; pendingUntil?: string }>();
  private readonly taskCache = new Map<string, TaskCacheRecord>();
  private secrets = new Map<string, SecretRecord>();
  private readonly kv = new Map<string, KvRecord>();
  private readonly slots = new Map<string, ConcurrencySlotRecord>();
  private readonly connections = new Map<string, ConnectionRecord>();

  async init(): Promise<void> {
    // connect to your database and create or migrate its tables here
  }

  async close(): Promise<void> {}

  async saveFlow(flow: { namespace: string; id: string; source: string }, options: { only?: "create" | "update" } = {}) {
    const revisions = this.flows.get(pairKey(flow.namespace, flow.id)) ?? [];
    const current = revisions.at(-1);
    const live = Boolean(current && !current.deleted);
    // checked with the save, in one step: a database checks it in the save's transaction
    if (options.only === "create" && live) throw new ConflictError(`flow ${flow.namespace}.${flow.id} already exists`);
    if (options.only === "update" && !live) throw new NotFoundError(`flow ${flow.namespace}.${flow.id} not found`);
    if (current && !current.deleted && current.source === flow.source) return { flow: copy(current), created: false, changed: false };
    const record: FlowRecord = { ...flow, revision: (current?.revision ?? 0) + 1, deleted: false, updated: new Date().toISOString() };
    this.flows.set(pairKey(flow.namespace, flow.id), [...revisions, record]);
    return { flow: copy(record), created: !current || current.deleted, changed: true };
  }

  async getFlow(namespace: string, id: string, revision?: number) {
    const revisions = this.flows.get(pairKey(namespace, id)) ?? [];
    if (revision !== undefined) return copy(revisions.find((r) => r.revision === revision));
    const latest = revisions.at(-1);
    return latest && !latest.deleted ? copy(latest) : undefined;
  }

  async listFlowRevisions(namespace: string, id: string) {
    const revisions = this.flows.get(pairKey(namespace, id)) ?? [];
    return revisions.at(-1)?.deleted ? [] : copy(revisions);
  }

  private liveFlows(): FlowRecord[] {
    return [...this.flows.values()].map((revisions) => revisions.at(-1)!).filter((f) => !f.deleted);
  }

  async searchFlows(query: { namespace?: string; q?: string } & PageRequest) {
    const found = this.liveFlows()
      .filter((f) => inNamespace(f.namespace, query.namespace) && (!query.q || f.id.includes(query.q) || f.namespace.includes(query.q)))
      .sort(byKey((f) => `${f.namespace}\u0000${f.id}`));
    return page(copy(found), query);
  }

  async listFlowChanges(since: string) {
    // a database reads this through an index on `updated`: it is polled every second
    const changed = [...this.flows.values()].map((revisions) => revisions.at(-1)!).filter((f) => f.updated > since);
    return copy(changed.sort(byKey((f) => f.updated)));
  }

  async deleteFlow(namespace: string, id: string) {
    // checked and changed with no await between: a database does both in one statement
    if (this.flows.get(pairKey(namespace, id))?.at(-1)?.deleted !== false) return false;
    const updated = new Date().toISOString();
    this.flows.set(pairKey(namespace, id), this.flows.get(pairKey(namespace, id))!.map((r) => ({ ...r, deleted: true, updated })));
    return true;
  }

  async deleteFlowRevisions(namespace: string, id: string, revisions: number[]) {
    // read and written with no await between: a database does it under the flow's save lock
    const stored = this.flows.get(pairKey(namespace, id)) ?? [];
    const latest = stored.at(-1)?.revision;
    const kept = stored.filter((r) => r.revision === latest || !revisions.includes(r.revision));
    if (kept.length < stored.length) this.flows.set(pairKey(namespace, id), kept);
    return stored.length - kept.length;
  }

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = [], options: { expectedVersion?: number } = {}) {
    const stored = this.executions.get(execution.id);
    let version = execution.version ?? 0;
    if (options.expectedVersion !== undefined) {
      if ((stored?.version ?? 0) !== options.expectedVersion || !stored) {
        throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${options.expectedVersion})`);
      }
      version = options.expectedVersion + 1;
    }
    // nothing awaits between the check and the writes: the save is one transaction
    this.executions.set(execution.id, { ...copy(execution), version });
    const stack = this.taskRuns.get(execution.id) ?? new Map<string, TaskRunRecord>();
    for (const run of runs) stack.set(run.id, copy(run));
    this.taskRuns.set(execution.id, stack);
  }

  async insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = []) {
    if (this.executions.has(execution.id)) throw new AlreadyExistsError(`execution ${execution.id} exists already`);
    await this.saveExecution(execution, runs);
  }

  async getExecution(id: string) {
    const execution = this.executions.get(id);
    if (!execution) return undefined;
    const taskRuns = [...(this.taskRuns.get(id)?.values() ?? [])].sort(byKey((t) => t.id));
    return { execution: copy(execution), taskRuns: copy(taskRuns) };
  }

  async searchExecutions(query: ExecutionSearch & PageRequest) {
    const found = [...this.executions.values()]
      .filter(
        (e) =>
          // with a flow id the namespace is exact: a flow is named by both
          (query.flowId && query.namespace ? e.namespace === query.namespace : inNamespace(e.namespace, query.namespace)) &&
          (!query.flowId || e.flowId === query.flowId) &&
          (!query.state?.length || query.state.includes(e.state.current)) &&
          // a Loop's iterations only when asked for
          (query.kind === "LOOP" ? e.kind === "LOOP" : e.kind === undefined) &&
          (!query.parentId || e.parent?.executionId === query.parentId) &&
          Object.entries(query.labels ?? {}).every(([key, value]) => e.labels[key] === value) &&
          (!query.startedAfter || e.created >= query.startedAfter) &&
          // a terminal execution's last update is its end
          (!query.endedBefore || (isTerminal(e.state.current) && e.updated <= query.endedBefore)),
      )
      // newest first: creation date, then id
      .sort(byKey((e) => `${e.created}\u0000${e.id}`))
      .reverse();
    const { after } = query;
    if (!after) return page(copy(found), query);
    const rest = found.filter((e) => e.created < after.created || (e.created === after.created && e.id < after.id));
    return { results: copy(rest.slice(0, query.size)), total: found.length };
  }

  /** the dashboard's counts, per day or hour of creation (UTC) or per flow, with the ended executions' durations (optional: without it the server pages through searchExecutions) */
  async countExecutionStates(query: StateCountsQuery): Promise<StateCount[]> {
    // as searchExecutions: with a flow id the namespace is exact
    const inScope = (e: ExecutionRecord) =>
      (query.flowId && query.namespace ? e.namespace === query.namespace : inNamespace(e.namespace, query.namespace)) && (!query.flowId || e.flowId === query.flowId);
    // a Loop's iterations are not counted: parts of their execution
    return countByGroup([...this.executions.values()].filter((e) => e.kind === undefined && inScope(e)), query);
  }

  async listUnfinishedExecutions() {
    return [...this.executions.values()]
      .filter((e) => !isTerminal(e.state.current))
      .map((e) => ({ id: e.id, state: e.state.current, updated: e.updated }))
      .sort(byKey((e) => e.id));
  }

  async deleteTaskRuns(executionId: string, taskRunIds: string[]) {
    for (const id of taskRunIds) this.taskRuns.get(executionId)?.delete(id);
  }

  async findEndedExecutions(query: EndedExecutionsQuery, limit: number) {
    const found = [...this.executions.values()]
      .filter(
        (e) =>
          isTerminal(e.state.current) &&
          (!query.states?.length || query.states.includes(e.state.current)) &&
          e.updated < query.endedBefore &&
          (!query.startedAfter || e.created >= query.startedAfter) &&
          inNamespace(e.namespace, query.namespace) &&
          (!query.flowId || e.flowId === query.flowId),
      )
      .sort(byKey((e) => `${e.updated}\u0000${e.id}`));
    return copy(found.slice(0, limit));
  }

  async purgeExecutions(ids: string[], what: { executions: boolean; logs: boolean; metrics: boolean }) {
    // only ended ones: an execution restarted since it was found is no longer purgeable
    const ended = new Set(ids.filter((id) => isTerminal(this.executions.get(id)?.state.current ?? "RUNNING")));
    const counts = { executions: 0, logs: 0, metrics: 0 };
    if (what.logs) {
      const before = this.logs.length;
      this.logs = this.logs.filter((l) => !ended.has(l.executionId));
      counts.logs = before - this.logs.length;
    }
    if (what.metrics) {
      const before = this.metrics.length;
      this.metrics = this.metrics.filter((m) => !ended.has(m.executionId));
      counts.metrics = before - this.metrics.length;
    }
    if (what.executions) {
      for (const id of ended) {
        this.executions.delete(id);
        this.taskRuns.delete(id);
      }
      counts.executions = ended.size;
    }
    return counts;
  }

  async purgeLogs(query: LogsQuery) {
    const before = this.logs.length;
    this.logs = this.logs.filter(
      (l) =>
        !(
          l.timestamp < query.before &&
          (!query.after || l.timestamp >= query.after) &&
          inNamespace(l.namespace, query.namespace) &&
          (!query.flowId || l.flowId === query.flowId) &&
          (!query.executionId || l.executionId === query.executionId) &&
          (!query.levels?.length || query.levels.includes(l.level))
        ),
    );
    return before - this.logs.length;
  }

  async getTaskCache(key: string) {
    return copy(this.taskCache.get(key));
  }

  async saveTaskCache(record: TaskCacheRecord) {
    this.taskCache.set(record.key, copy(record));
  }

  async deleteTaskCache(key: string) {
    return this.taskCache.delete(key);
  }

  async listTriggerStates(query: { namespace?: string; flowId?: string; updatedAfter?: string } = {}) {
    const found = [...this.triggers.values()]
      .filter((t) => inNamespace(t.namespace, query.namespace) && (!query.flowId || t.flowId === query.flowId) && (query.updatedAfter === undefined || t.updated > query.updatedAfter))
      .sort(byKey(triggerKey));
    return copy(found);
  }

  async initTriggerState(state: TriggerStateRecord) {
    if (!this.triggers.has(triggerKey(state))) this.triggers.set(triggerKey(state), copy(state));
    return copy(this.triggers.get(triggerKey(state))!);
  }

  async recordTriggerFire(ref: TriggerRef, fire: string, next?: string) {
    const state = this.triggers.get(triggerKey(ref));
    // lastFire only moves forward, and a fire never touches `disabled`
    if (state && (!state.lastFire || state.lastFire < fire)) Object.assign(state, { lastFire: fire, nextFire: next, updated: new Date().toISOString() });
  }

  async setTriggerDisabled(ref: TriggerRef, disabled: boolean) {
    const updated = new Date().toISOString();
    const state = this.triggers.get(triggerKey(ref)) ?? { namespace: ref.namespace, flowId: ref.flowId, triggerId: ref.triggerId, disabled, updated };
    this.triggers.set(triggerKey(ref), { ...state, disabled, updated });
    return copy(this.triggers.get(triggerKey(ref))!);
  }

  // Concurrency slots: no await between reading and writing, so each call is atomic here.
  // A database does the same in one transaction that locks the flow (SELECT … FOR UPDATE).
  private slotsOf(namespace: string, flowId: string): ConcurrencySlotRecord[] {
    return [...this.slots.values()].filter((s) => s.namespace === namespace && s.flowId === flowId).sort(byKey((s) => `${s.queuedAt}\u0000${s.executionId}`));
  }

  async acquireConcurrencySlot(slot: Omit<ConcurrencySlotRecord, "running">, wait: boolean) {
    const mine = this.slots.get(slot.executionId);
    if (mine?.running) return "running" as const;
    const flow = this.slotsOf(slot.namespace, slot.flowId);
    const running = flow.filter((s) => s.running).length;
    const place = { queuedAt: mine?.queuedAt ?? slot.queuedAt, executionId: slot.executionId };
    // first in, first out: a later execution never takes a slot while an earlier one waits
    const ahead = flow.filter((s) => !s.running && (s.queuedAt < place.queuedAt || (s.queuedAt === place.queuedAt && s.executionId < place.executionId))).length;
    if (running + ahead < slot.limit) {
      this.slots.set(slot.executionId, { ...slot, queuedAt: place.queuedAt, running: true });
      return "running" as const;
    }
    if (!wait) {
      this.slots.delete(slot.executionId);
      return "refused" as const;
    }
    if (!mine) this.slots.set(slot.executionId, { ...slot, running: false });
    return "waiting" as const;
  }

  async releaseConcurrencySlot(executionId: string) {
    const held = this.slots.get(executionId);
    if (!held) return [];
    this.slots.delete(executionId);
    return this.admissible(held.namespace, held.flowId);
  }

  private admissible(namespace: string, flowId: string): string[] {
    const flow = this.slotsOf(namespace, flowId);
    const running = flow.filter((s) => s.running).length;
    const free: string[] = [];
    for (const waiting of flow.filter((s) => !s.running)) {
      if (running + free.length >= waiting.limit) break;
      free.push(waiting.executionId);
    }
    return free;
  }

  async listConcurrencySlots(namespace: string, flowId: string) {
    const flow = this.slotsOf(namespace, flowId);
    return copy([...flow.filter((s) => s.running), ...flow.filter((s) => !s.running)]);
  }

  async repairConcurrencySlots() {
    const orphans = [...this.slots.values()].filter((s) => {
      const execution = this.executions.get(s.executionId);
      return !execution || isTerminal(execution.state.current);
    });
    for (const orphan of orphans) this.slots.delete(orphan.executionId);
    const flows = new Map([...this.slots.values()].filter((s) => !s.running).map((s) => [pairKey(s.namespace, s.flowId), s]));
    return { released: orphans.length, admissible: [...flows.values()].flatMap((s) => this.admissible(s.namespace, s.flowId)) };
  }

  async claim(key: string, executionId: string, expires: string) {
    // no await between reading and writing the claim: of concurrent callers exactly one wins
    const held = this.claims.get(key);
    if (held && held.expires >= new Date().toISOString()) return { won: held.executionId === executionId, executionId: held.executionId };
    this.claims.set(key, { executionId, expires });
    return { won: true, executionId };
  }

  async claimStart(key: string, executionId: string, expires: string, lease: string) {
    // no await between reading and writing: of concurrent callers exactly one wins, or takes over
    const held = this.claims.get(key);
    const now = new Date().toISOString();
    if (!held || held.expires < now) {
      this.claims.set(key, { executionId, expires, pendingUntil: lease });
      return { won: true, executionId };
    }
    if (held.executionId === executionId) return { won: true, executionId };
    if (!held.pendingUntil) return { won: false, executionId: held.executionId };
    if (held.pendingUntil >= now) return { won: false, executionId: held.executionId, pendingUntil: held.pendingUntil };
    // its holder's lease passed with its execution not created: taken over under the holder's id
    held.pendingUntil = lease;
    return { won: true, executionId: held.executionId, takenOver: true };
  }

  async claimCreated(key: string, executionId: string) {
    const held = this.claims.get(key);
    if (held?.executionId === executionId) delete held.pendingUntil;
  }

  async extendClaim(key: string, executionId: string, expires: string) {
    const held = this.claims.get(key);
    if (held?.executionId !== executionId) return false;
    held.expires = expires;
    return true;
  }

  async deleteExpiredClaims(now: string) {
    let removed = 0;
    for (const [key, claim] of this.claims) if (claim.expires < now && this.claims.delete(key)) removed++;
    return removed;
  }

  async appendLogs(entries: LogEntry[]) {
    // stored as PostgreSQL would: its text cannot hold NUL, so every repository shows U+FFFD
    this.logs.push(...entries.map((e) => ({ ...copy(e), message: e.message.replace(/\u0000/g, "\uFFFD") })));
  }

  async findLogs(executionId: string, filter: { taskId?: string; taskRunId?: string; minLevel?: LogLevel } = {}) {
    const found = this.logs.filter(
      (l) =>
        l.executionId === executionId &&
        (!filter.taskId || l.taskId === filter.taskId) &&
        (!filter.taskRunId || l.taskRunId === filter.taskRunId) &&
        (!filter.minLevel || LEVEL_RANK[l.level] >= LEVEL_RANK[filter.minLevel]),
    );
    return copy(found);
  }

  async getSecret(namespace: string, name: string) {
    return copy(this.secrets.get(pairKey(namespace, name)));
  }

  async listSecrets(namespace?: string) {
    const found = [...this.secrets.values()].filter((s) => namespace === undefined || s.namespace === namespace);
    return copy(found.sort(byKey((s) => pairKey(s.namespace, s.name))));
  }

  async saveSecret(record: SecretRecord) {
    this.secrets.set(pairKey(record.namespace, record.name), copy(record));
  }

  async deleteSecret(namespace: string, name: string) {
    return this.secrets.delete(pairKey(namespace, name));
  }

  async replaceSecrets(records: SecretRecord[]) {
    this.secrets = new Map(records.map((r) => [pairKey(r.namespace, r.name), copy(r)]));
  }

  async getKv(namespace: string, key: string) {
    return copy(this.kv.get(pairKey(namespace, key)));
  }

  async listKv(namespace: string, prefix = "") {
    const found = [...this.kv.values()].filter((r) => r.namespace === namespace && r.key.startsWith(prefix));
    return copy(found.sort(byKey((r) => r.key)));
  }

  async saveKv(record: KvRecord, options: { ifValueUri?: string | null } = {}) {
    const stored = this.kv.get(pairKey(record.namespace, record.key));
    // a compare-and-set: a database does it in one conditional statement
    if (options.ifValueUri !== undefined && (stored?.valueUri ?? null) !== options.ifValueUri) return false;
    // a replaced pair loses an expiry it no longer gives: `expires` is always present, maybe undefined
    this.kv.set(pairKey(record.namespace, record.key), { ...copy(record), created: stored?.created ?? record.created, expires: record.expires });
    return true;
  }

  async deleteKv(namespace: string, key: string, options: { ifValueUri?: string } = {}) {
    const stored = this.kv.get(pairKey(namespace, key));
    if (!stored || (options.ifValueUri !== undefined && stored.valueUri !== options.ifValueUri)) return false;
    return this.kv.delete(pairKey(namespace, key));
  }

  async getConnection(namespace: string, id: string) {
    return copy(this.connections.get(pairKey(namespace, id)));
  }

  async listConnections(namespace: string) {
    return copy([...this.connections.values()].filter((c) => c.namespace === namespace).sort(byKey((c) => c.id)));
  }

  async saveConnection(record: ConnectionRecord) {
    // read and write with no await between: a database does it in one upsert keeping `created`
    const stored = this.connections.get(pairKey(record.namespace, record.id));
    this.connections.set(pairKey(record.namespace, record.id), { ...copy(record), created: stored?.created ?? record.created });
  }

  async deleteConnection(namespace: string, id: string) {
    return this.connections.delete(pairKey(namespace, id));
  }

  async listNamespaces() {
    const namespaces = [...this.liveFlows().map((f) => f.namespace), ...[...this.kv.values()].map((r) => r.namespace), ...[...this.connections.values()].map((c) => c.namespace)];
    return [...new Set(namespaces)].sort();
  }

  async appendMetrics(entries: MetricEntry[]) {
    this.metrics.push(...copy(entries));
  }

  async findMetrics(executionId: string, filter: { taskId?: string; taskRunId?: string } = {}) {
    const found = this.metrics.filter(
      (m) => m.executionId === executionId && (!filter.taskId || m.taskId === filter.taskId) && (!filter.taskRunId || m.taskRunId === filter.taskRunId),
    );
    return copy(found);
  }
}
