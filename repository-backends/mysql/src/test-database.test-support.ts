import { uniqueDatabaseName } from "@ferry/repository-sql";
import mysql from "mysql2/promise";

export const MYSQL_URL = process.env.FERRY_TEST_MYSQL_URL;
if (!MYSQL_URL) console.warn("\n*** SKIPPING MySQL/MariaDB tests: set FERRY_TEST_MYSQL_URL (for example mysql://root@127.0.0.1:3306/test) ***\n");

/** a fresh database on the test server, dropped by `drop()` */
export async function createMysqlTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = await mysql.createConnection({ uri: MYSQL_URL! });
  const name = uniqueDatabaseName();
  await admin.query(`create database \`${name}\``);
  const url = new URL(MYSQL_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop database if exists \`${name}\``);
      await admin.end();
    },
  };
}
