export { nextFlowRevision, SqlRepository, type SqlTables, type AnyDb, type AnyTable } from "./sql.repository.js";
export { RACE_ATTEMPTS, retryingLostRaces } from "./race-retry.js";
export * from "./rows.js";
export { uniqueDatabaseName } from "./test-database.js";
