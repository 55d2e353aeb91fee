export { SqlRepository, type SqlTables, type AnyDb, type AnyTable } from "./sql.repository.js";
export * from "./rows.js";
export { uniqueDatabaseName } from "./test-database.js";
