import type { FerryConfig } from "./config.schema.js";

/** the history section as its backend sees it: `primaryRetention` and `exportLease` are Ferry's, not the backend's */
export function historyBackendSection(config: FerryConfig): { type: string } {
  const { primaryRetention: _primaryRetention, exportLease: _exportLease, ...section } = config.history;
  return section;
}
