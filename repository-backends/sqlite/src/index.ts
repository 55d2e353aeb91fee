export { SqliteRepository, createSqliteRepository, sqliteRepositoryOptions } from "./sqlite.repository.js";
