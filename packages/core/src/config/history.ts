import { errorMessage, isUnavailable, UserError, type HistoryStore, type Repository } from "@ferry/sdk";
import type { FerryConfig } from "./config.schema.js";
import { configureBackend, instantiate, type BackendSources } from "./backends.js";
import { historyBackendSection } from "./history-section.js";

/**
 * Opens the configured history store beside the primary repository. A bad section is refused
 * (UserError naming the key) as any other; a store out of reach is not: the engine runs on
 * the primary without it, `warn` says so, and the store is returned uninitialised — its
 * queries answer 503 and the exporter keeps trying until it is back.
 */
export async function openHistory(config: FerryConfig, sources: BackendSources, repository: Repository, warn: (line: string) => void): Promise<HistoryStore> {
  const configured = await configureBackend("history", historyBackendSection(config), sources);
  const history = await instantiate(configured, { baseDir: sources.baseDir, repository });
  if (config.history.primaryRetention && history.source !== "exported") {
    throw new UserError(`invalid configuration at history.primaryRetention: only an exported history store (history.type: postgres) can take the primary's ended executions; history type '${configured.type}' is answered by ${history.source === "primary" ? "the primary itself" : "nothing"}`);
  }
  try {
    await history.init?.();
  } catch (error) {
    if (!isUnavailable(error)) {
      await history.close?.().catch(() => undefined);
      throw error;
    }
    warn(`history store (${configured.type}) is out of reach: executions run, history queries answer 503 until it is back (${errorMessage(error)})`);
  }
  return history;
}
