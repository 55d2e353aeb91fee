import type { FerryConfig } from "@ferry/core";
import { ExportLease, HistoryExporter, PrimaryTrimmer } from "@ferry/engine";
import { parseDuration, type HistoryStore, type Repository } from "@ferry/sdk";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";

/**
 * Starts feeding an exported history store: the export lease (one replica exports at a
 * time), the exporter, and the primary's trimmer when `history.primaryRetention` is set.
 * Returns the exporter and what stops them all, in order.
 */
export function startHistoryExport(options: { config: FerryConfig; repository: Repository; history: HistoryStore; logger: Logger; onError: (error: unknown) => void }): {
  exporter: HistoryExporter;
  stop: () => Promise<void>;
} {
  const { config, repository, history, logger, onError } = options;
  const warn = (err: unknown, line: string) => logger.warn({ err }, line);
  const holder = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const lease = new ExportLease({
    repository, holder, ttlMs: parseDuration(config.history.exportLease), onError: warn,
    onChange: (held) => logger.info({ holder }, held ? "this server exports history now (it holds the export lease)" : "this server no longer exports history (the export lease is elsewhere)"),
  });
  const exporter = new HistoryExporter({ repository, history, lease, onError: warn });
  const trimmer = config.history.primaryRetention ? new PrimaryTrimmer({ repository, exporter, keepMs: parseDuration(config.history.primaryRetention), onError }) : undefined;
  lease.start();
  exporter.start();
  trimmer?.start();
  return {
    exporter,
    async stop() {
      await trimmer?.stop();
      await exporter.stop();
      await lease.stop();
    },
  };
}
