import { createMysqlTestDatabase, MYSQL_URL } from "../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../../repository-backends/postgres/src/test-database.test-support.js";

/** the shared-database repositories distributed tests run on, each when its URL is set */
export const SHARED_DATABASES = [
  { name: "PostgreSQL", enabled: !!POSTGRES_URL, create: createPostgresTestDatabase, type: "postgres" },
  { name: "MariaDB", enabled: !!MYSQL_URL, create: createMysqlTestDatabase, type: "mysql" },
];
