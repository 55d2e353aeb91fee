export { MysqlRepository, createMysqlRepository, mysqlRepositoryOptions } from "./mysql.repository.js";
