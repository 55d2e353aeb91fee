import { ConflictError, errorMessage, START_POSITION, UserError, type HistoryBatch, type HistoryPosition, type HistoryStore, type Repository } from "@ferry/sdk";
import { SeqFollower } from "./seq-follower.js";

export interface HistoryExporterOptions {
  repository: Repository;
  history: HistoryStore;
  /** rows read per stream per pass */
  batchSize?: number;
  /** pause between passes once caught up */
  pollMs?: number;
  /**
   * How far behind its cursor each pass re-reads executions: a save stamped `updated` = T by
   * one server can commit after another server's save stamped later was exported. Re-reading
   * catches a save whose commit delay plus clock skew stays under this.
   */
  overlapMs?: number;
  /** how long a hole in logs.seq / metrics.seq is waited for (see SeqFollower) */
  gapTimeoutMs?: number;
  /** longest pause between attempts while the history store is down */
  maxBackoffMs?: number;
  onError?: (error: unknown, message: string) => void;
  /**
   * With server replicas, the one holding this lease exports and the others wait (see
   * ExportLease); absent, this exporter always exports.
   */
  lease?: { readonly held: boolean };
  now?: () => number;
}

export interface ExportStatus {
  /** the last pass reached the end of every stream */
  caughtUp: boolean;
  /** seconds since the exporter was last caught up (0 when it is) */
  lagSeconds: number;
  /** the history store answered the last pass */
  up: boolean;
  /** this server exports (it holds the export lease, or runs alone) */
  active: boolean;
  /** a rebuild was asked and the export has not reached the primary's end since */
  rebuilding: boolean;
  position: HistoryPosition;
  /**
   * rows this process read forward and wrote; an execution only the overlap sweep finds (a
   * late commit) is written but not counted, as the sweep cannot tell it from one written before
   */
  exported: { executions: number; logs: number; metrics: number };
}

/**
 * Streams the primary repository's changes to an exported history store, at least once:
 * executions by (`updated`, `id`), log lines and metrics by `seq`, each batch written with the
 * position after it in one atomic, idempotent write. It runs on its own timer and only reads
 * the primary, so the engine never waits for it; while the store is down it backs off and
 * then catches up from the stored position. Several exporters (server replicas) may run at
 * once — while the export lease hands over — their writes are idempotent and the stored
 * position only moves forward; otherwise only the lease holder exports.
 */
export class HistoryExporter {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly overlapMs: number;
  private readonly gapTimeoutMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;
  private cursor = START_POSITION.executions;
  private logs?: SeqFollower;
  private metrics?: SeqFollower;
  private loaded = false;
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private stopped = true;
  private failures = 0;
  private caughtUpAt: number;
  /** when a pass last read every stream to its end (undefined before, and after a rebuild) */
  private reachedEndAt?: number;
  private status: Omit<ExportStatus, "lagSeconds" | "position" | "active">;

  constructor(private readonly options: HistoryExporterOptions) {
    const { repository, history } = options;
    if (history.source !== "exported") throw new UserError(`the history exporter feeds an exported history store, not one of source '${history.source}'`);
    if (!repository.listExecutionChanges || !repository.listLogsAfter || !repository.listMetricsAfter) {
      throw new UserError("invalid configuration at history.type: this repository cannot feed an exported history store (it lacks listExecutionChanges, listLogsAfter, listMetricsAfter)");
    }
    this.batchSize = options.batchSize ?? 1000;
    this.pollMs = options.pollMs ?? 1000;
    this.overlapMs = options.overlapMs ?? 30_000;
    this.gapTimeoutMs = options.gapTimeoutMs ?? 30_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.caughtUpAt = this.now();
    this.status = { caughtUp: false, up: false, rebuilding: false, exported: { executions: 0, logs: 0, metrics: 0 } };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  statusNow(): ExportStatus {
    const caughtUp = this.status.caughtUp;
    return {
      ...this.status,
      active: this.active,
      lagSeconds: caughtUp ? 0 : Math.max(0, (this.now() - this.caughtUpAt) / 1000),
      position: { executions: this.cursor, logs: this.logs?.position ?? 0, metrics: this.metrics?.position ?? 0 },
    };
  }

  /**
   * An instant before which every change of the primary is in the history store: the last
   * time a pass read to the end, less what a late commit may still bring (the overlap for
   * executions, the hole timeout for lines and metrics). Undefined until a pass reached the end,
   * and while another replica exports (it may be rebuilding: only the exporter knows).
   */
  exportedBefore(): number | undefined {
    return this.reachedEndAt === undefined || !this.active ? undefined : this.reachedEndAt - Math.max(this.overlapMs, this.gapTimeoutMs);
  }

  /** true while this server may export: it holds the lease, or there is none */
  get active(): boolean {
    return this.options.lease?.held ?? true;
  }

  /**
   * Exports the primary again from the start into a new generation of the history store,
   * built beside the live one, which keeps answering searches (as of the rebuild's start)
   * until the new one has caught up and is switched live in one step. Only the exporting
   * server rebuilds (another one's export would go on from its own position), and one rebuild
   * at a time: until the switch, a second one is refused. A rebuild survives a restart or a
   * lease handover: the store knows it is under way, and the next exporter goes on with it.
   */
  async rebuild(): Promise<void> {
    if (!this.active) throw new ConflictError("this server does not export history now (another replica holds the export lease): ask the rebuild of the exporting server, whose /api/v1/history says active: true");
    if (this.status.rebuilding) throw new ConflictError("a history rebuild is already running: it ends when the export reaches the primary's end again (GET /api/v1/history says rebuilding: false)");
    this.status.rebuilding = true;
    const wasRunning = !this.stopped;
    await this.stop();
    try {
      await this.options.history.beginRebuild();
    } catch (error) {
      this.status.rebuilding = false;
      if (wasRunning) this.start();
      throw error;
    }
    // what was exported before is in the old generation: nothing is known exported until the switch
    this.reachedEndAt = undefined;
    this.loaded = false;
    this.status.caughtUp = false;
    if (wasRunning) this.start();
  }

  /** passes until every stream is read to its end; what a test or a rebuild awaits */
  async catchUp(): Promise<void> {
    try {
      while (!(await this.pass())) {
        /* another batch */
      }
    } catch (error) {
      this.loaded = false;
      throw error;
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (!this.active) {
        // another replica exports: once this one holds the lease, it starts from the stored position
        this.loaded = false;
        this.status.caughtUp = false;
        this.schedule(this.pollMs);
        return;
      }
      this.running = this.pass().then(
        (done) => {
          this.failures = 0;
          this.schedule(done ? this.pollMs : 0);
        },
        (error: unknown) => {
          // what this process moved past may not be stored: start again from the stored position
          this.loaded = false;
          this.failures++;
          this.status.up = false;
          this.status.caughtUp = false;
          const delay = Math.min(this.maxBackoffMs, 500 * 2 ** Math.min(this.failures - 1, 10));
          // one line when an outage starts, then one per backoff step at most
          if (this.failures === 1 || delay < this.maxBackoffMs) this.options.onError?.(error, `history export failed (attempt ${this.failures}; retrying in ${delay} ms): ${errorMessage(error)}`);
          this.schedule(delay);
        },
      );
    }, delay);
    this.timer.unref?.();
  }

  private async load(): Promise<void> {
    // a rebuild begun by an exporter that died (or by the replica that held the lease) goes on
    const [stored = START_POSITION, rebuilding] = await Promise.all([this.options.history.position(), this.options.history.rebuilding()]);
    if (rebuilding) {
      this.status.rebuilding = true;
      this.reachedEndAt = undefined;
    }
    this.cursor = stored.executions;
    this.logs = new SeqFollower(stored.logs, this.gapTimeoutMs, this.now);
    this.metrics = new SeqFollower(stored.metrics, this.gapTimeoutMs, this.now);
    // behind a stored cursor, a save may have committed late while nobody swept (a restart, an
    // outage): sweep at once. A store with no position yet has nothing behind its cursor.
    this.lastSweep = stored.executions.updated ? 0 : this.now();
    this.loaded = true;
  }

  /** one batch of each stream; true when every stream was read to its end */
  private async pass(): Promise<boolean> {
    if (!this.loaded) await this.load();
    const { repository, history } = this.options;
    const logs = this.logs!;
    const metrics = this.metrics!;
    const [forward, overlap, logRows, metricRows] = await Promise.all([
      repository.listExecutionChanges!(this.cursor, this.batchSize),
      this.sweepDue() ? this.sweep() : [],
      repository.listLogsAfter!(logs.readAfter, this.batchSize),
      repository.listMetricsAfter!(metrics.readAfter, this.batchSize),
    ]);
    const executions = [...overlap, ...forward];
    logs.advance(logRows.map((l) => l.seq));
    metrics.advance(metricRows.map((m) => m.seq));
    const last = forward[forward.length - 1]?.execution;
    if (last) this.cursor = { updated: last.updated, id: last.id };
    const position: HistoryPosition = { executions: this.cursor, logs: logs.position, metrics: metrics.position };
    if (executions.length || logRows.length || metricRows.length) await history.write({ executions, logs: logRows, metrics: metricRows }, position);
    this.status.up = true;
    this.status.exported.executions += forward.length;
    this.status.exported.logs += logRows.length;
    this.status.exported.metrics += metricRows.length;
    const done = forward.length < this.batchSize && logRows.length < this.batchSize && metricRows.length < this.batchSize && !logs.waiting && !metrics.waiting;
    this.status.caughtUp = done;
    if (done) {
      // the rebuilt generation has caught up: it goes live (searches switch to it at once)
      if (this.status.rebuilding) await history.finishRebuild();
      this.caughtUpAt = this.reachedEndAt = this.now();
      this.status.rebuilding = false;
    }
    return done;
  }

  private lastSweep = 0;

  /** a sweep every third of the overlap: a late commit is still inside the window when swept */
  private sweepDue(): boolean {
    return !!this.cursor.updated && this.now() - this.lastSweep >= this.overlapMs / 3;
  }

  /**
   * Re-reads the executions saved within `overlapMs` before the cursor, page by page up to
   * it: a save stamped `updated` = T whose commit came after a later-stamped save was
   * exported is found here. The history store keeps the newest of what it is given.
   */
  private async sweep(): Promise<HistoryBatch["executions"]> {
    this.lastSweep = this.now();
    const end = this.cursor;
    let from = { updated: new Date(Math.max(0, Date.parse(end.updated) - this.overlapMs)).toISOString(), id: "" };
    const found: HistoryBatch["executions"] = [];
    for (;;) {
      const page = await this.options.repository.listExecutionChanges!(from, this.batchSize);
      const within = page.filter((e) => e.execution.updated < end.updated || (e.execution.updated === end.updated && e.execution.id <= end.id));
      found.push(...within);
      if (within.length < page.length || page.length < this.batchSize) return found;
      const last = page[page.length - 1].execution;
      from = { updated: last.updated, id: last.id };
    }
  }
}
