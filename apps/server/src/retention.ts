import type { Purger } from "@ferry/engine";
import type { Logger } from "pino";
import { setLongInterval, type LongTimer } from "@ferry/sdk";

export interface RetentionOptions {
  purger: Purger;
  /** executions that ended longer ago than this are purged (ms) */
  keepMs: number;
  everyMs: number;
  logger: Logger;
  onError(error: unknown): void;
  now?: () => Date;
}

/**
 * The retention rule (on by default): every `everyMs`, ended executions older than
 * `keepMs` go with their task runs, logs, metrics and storage, and expired KV pairs go.
 * Replicas may sweep at the same time: a purge of what another already removed removes
 * nothing.
 */
export class RetentionSweeper {
  private first?: ReturnType<typeof setTimeout>;
  /** `every` may be days (P30D): longer than a Node timer can wait */
  private timer?: LongTimer;
  private running?: Promise<void>;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    // the first sweep waits one interval's tenth (at most a minute): a start stays quick
    this.first = setTimeout(() => this.tick(), Math.min(60_000, this.options.everyMs / 10));
    this.timer = setLongInterval(() => this.tick(), this.options.everyMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.first);
    this.timer?.cancel();
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.sweep()
      .then(() => undefined, (error: unknown) => this.options.onError(error))
      .finally(() => (this.running = undefined));
  }

  /** one sweep; returns what went */
  async sweep(): Promise<{ executions: number; storageFiles: number; kvPairs: number }> {
    const { purger, keepMs, logger } = this.options;
    const now = (this.options.now ?? (() => new Date()))();
    const endedBefore = new Date(now.getTime() - keepMs).toISOString();
    const counts = await purger.executions({ endedBefore });
    const kvPairs = await purger.kv({ expiredOnly: true });
    const swept = { executions: counts.executionsCount, storageFiles: counts.storagesCount, kvPairs };
    if (swept.executions || swept.kvPairs) logger.info({ ...swept, endedBefore }, "retention: purged ended executions and expired KV pairs");
    return swept;
  }
}
