import { OperationalError, type ExecutionRecord, type FlowRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import { retryingLostRaces } from "./race-retry.js";
import type { SqlDatabase } from "./sql-database.js";
import { SqlRepository } from "./sql.repository.js";
import { WriteLatency } from "./write-latency.js";

/**
 * The executor's hottest calls as a dialect answers them in one round trip each, with
 * statements written by hand from the tables' columns (its hot-statements.ts).
 */
export interface HotPath {
  /** the latest revision of a flow, deleted or not */
  latestFlow(namespace: string, id: string): Promise<FlowRecord | undefined>;
  getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined>;
  /** as Repository.saveExecution: a ConflictError when `expectedVersion` moved */
  saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number): Promise<void>;
  /** as Repository.insertExecution: an AlreadyExistsError when the id is taken, nothing written */
  insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[]): Promise<void>;
  appendLogs(entries: LogEntry[]): Promise<void>;
  /** a dialect that groups writes (WriteGroup): settles every one asked so far, for close() to wait on before ending its pool */
  drain?(): Promise<void>;
}

/**
 * A SqlRepository whose dialect has a hot path: the executor's calls go through it, the rest
 * through the shared queries. The dialect sets `hot` in init() and clears it in close().
 */
export abstract class HotPathSqlRepository<Db extends SqlDatabase = SqlDatabase> extends SqlRepository<Db> {
  protected hot?: HotPath;
  /** the hot path's writes timed, for the purge to yield to them (hotWriteLatency) */
  private readonly writes = new WriteLatency();

  private hotPath(): HotPath {
    if (!this.hot) throw new OperationalError(`the ${this.dialect} repository is not initialised`);
    return this.hot;
  }

  override async getFlow(namespace: string, id: string, revision?: number) {
    if (revision !== undefined) return super.getFlow(namespace, id, revision);
    const row = await this.hotPath().latestFlow(namespace, id);
    return row && !row.deleted ? row : undefined;
  }

  override async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = [], options: { expectedVersion?: number } = {}) {
    // a deadlock with another multi-row upsert is broken by the database (rolled back) and run again
    await this.writes.time(() => retryingLostRaces(`saving execution ${execution.id}`, (error) => this.lostRace(error), () => this.hotPath().saveExecution(execution, runs, options.expectedVersion)));
  }

  override async insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = []) {
    await this.writes.time(() => this.hotPath().insertExecution(execution, runs));
  }

  override async getExecution(id: string) {
    return this.hotPath().getExecution(id);
  }

  override async appendLogs(entries: LogEntry[]) {
    if (entries.length) await this.writes.time(() => this.hotPath().appendLogs(entries));
  }

  hotWriteLatency(since: number) {
    return this.writes.since(since);
  }
}
