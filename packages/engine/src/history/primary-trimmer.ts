import type { Repository } from "@ferry/sdk";
import { PurgePace } from "../purge-pace.js";
import type { HistoryExporter } from "./history-exporter.js";

export interface PrimaryTrimmerOptions {
  repository: Repository;
  exporter: HistoryExporter;
  /** how long ended executions stay in the primary after they end (`history.primaryRetention`) */
  keepMs: number;
  everyMs?: number;
  /** executions removed per transaction, at most (fewer while the hot path is slow: PurgePace) */
  batchSize?: number;
  /** lines still on their way when an execution ends (a worker's last log batch) */
  trailingMs?: number;
  onError?: (error: unknown) => void;
  now?: () => number;
}

/**
 * Keeps the primary small once history is exported (`history.primaryRetention`): removes
 * ended executions, with their task runs, logs and metrics, that ended more than `keepMs`
 * ago — and only those the exporter has certainly exported (ended before its
 * `exportedBefore()`, less trailing lines). Files stay in storage: history points at them.
 */
export class PrimaryTrimmer {
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<unknown>;

  constructor(private readonly options: PrimaryTrimmerOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.trimOnce()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => (this.running = undefined));
    }, this.options.everyMs ?? 60_000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** removes what may go; returns how many executions went */
  async trimOnce(): Promise<number> {
    const { repository, exporter, keepMs } = this.options;
    const exported = exporter.exportedBefore();
    if (exported === undefined) return 0;
    const now = (this.options.now ?? Date.now)();
    const cutoff = Math.min(now - keepMs, exported - (this.options.trailingMs ?? 60_000));
    const endedBefore = new Date(cutoff).toISOString();
    // batches yield to the hot path, as the Purger's do: smaller, with pauses, while its writes slow down
    const pace = new PurgePace(repository.hotWriteLatency?.bind(repository), { batch: this.options.batchSize ?? 500 });
    let removed = 0;
    for (;;) {
      const batch = pace.batch;
      const started = pace.begin();
      const ended = await repository.findEndedExecutions({ endedBefore }, batch);
      if (!ended.length) return removed;
      removed += (await repository.purgeExecutions(ended.map((e) => e.id), { executions: true, logs: true, metrics: true })).executions;
      if (ended.length < batch) return removed;
      await pace.after(started);
    }
  }
}
