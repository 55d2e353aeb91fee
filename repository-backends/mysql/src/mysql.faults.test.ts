import { writeGroupFaultCases } from "@ferry/testkit";
import mysql from "mysql2/promise";
import { afterAll, describe, it } from "vitest";
import { createMysqlRepository } from "./mysql.repository.js";
import { createMysqlTestDatabase, MYSQL_URL } from "./test-database.test-support.js";

const databases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

describe.skipIf(!MYSQL_URL)("mysql repository (MariaDB here): a group commit's connection failing under it", () => {
  writeGroupFaultCases(it, {
    fresh: async () => {
      const db = await createMysqlTestDatabase();
      databases.push(db);
      return db.url;
    },
    create: (url, poolSize) => createMysqlRepository({ type: "mysql", url, poolSize }),
    async killWaiterOn(url, executionId) {
      const holder = await mysql.createConnection({ uri: url });
      await holder.query("start transaction");
      await holder.query("select `id` from `executions` where `id` = ? for update", [executionId]);
      const killed = (async () => {
        for (let i = 0; i < 500; i++) {
          // a session of this database waiting on a row lock: the group's connection
          const [rows] = await holder.query(
            `select t.trx_mysql_thread_id as id from information_schema.innodb_trx t join information_schema.processlist p on p.id = t.trx_mysql_thread_id
              where t.trx_state = 'LOCK WAIT' and p.db = database() and p.id <> connection_id()`,
          );
          const waiter = (rows as Array<{ id: number }>)[0];
          if (waiter) {
            await holder.query(`kill connection ${Number(waiter.id)}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error("no session waited on the lock");
      })();
      return { killed, release: async () => (await holder.query("rollback"), await holder.end()) };
    },
  });
});
