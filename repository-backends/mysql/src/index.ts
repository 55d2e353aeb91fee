export { MysqlRepository, createMysqlRepository, mysqlRepositoryOptions, mysqlRepositoryBackend, mysqlRepositoryBackend as backend, mysqlRepositoryBackend as default } from "./mysql.repository.js";
