import { errorMessage, isUnavailable, type HistoryStore, type Repository } from "@ferry/sdk";
import type { FerryConfig } from "./config.schema.js";
import { configureBackend, instantiate, type BackendSources } from "./backends.js";

/**
 * Opens the configured history store beside the primary repository. A bad section is refused
 * (UserError naming the key) as any other; a store out of reach is not: the engine runs on
 * the primary without it, `warn` says so, and the store is returned uninitialised — its
 * queries answer 503 and the exporter keeps trying until it is back.
 */
export async function openHistory(config: FerryConfig, sources: BackendSources, repository: Repository, warn: (line: string) => void): Promise<HistoryStore> {
  const configured = await configureBackend("history", config.history, sources);
  const history = await instantiate(configured, { baseDir: sources.baseDir, repository });
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
