export { PostgresRepository, createPostgresRepository, postgresRepositoryOptions } from "./postgres.repository.js";
