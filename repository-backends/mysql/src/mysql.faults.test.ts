import { writeGroupFaultCases } from "@ferry/testkit";
import mysql from "mysql2/promise";
import { afterAll, describe, it } from "vitest";
import { createMysqlRepository } from "./mysql.repository.js";
import { createMysqlTestDatabase, MYSQL_URL } from "./test-database.test-support.js";

const databases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

/** a second connection holding the execution's row in a transaction left open; `release` (once) ends both */
async function lockRow(url: string, executionId: string) {
  const holder = await mysql.createConnection({ uri: url });
  await holder.query("start transaction");
  await holder.query("select `id` from `executions` where `id` = ? for update", [executionId]);
  let released: Promise<void> | undefined;
  return { holder, release: () => (released ??= (async () => (await holder.query("rollback"), await holder.end()))()) };
}

/** the id of the session of this database that waits on the held lock: the group's connection (a pool of one) */
async function waiterOn(holder: mysql.Connection): Promise<number> {
  for (let i = 0; i < 500; i++) {
    // a session of this database blocked in a statement. Not innodb_trx's LOCK WAIT alone: a save's first locking
    // read waits on the row while MariaDB's optimizer reads it ("Statistics"), before InnoDB lists its transaction at all
    const [rows] = await holder.query(
      `select p.id from information_schema.processlist p left join information_schema.innodb_trx t on t.trx_mysql_thread_id = p.id
        where p.db = database() and p.id <> connection_id() and p.command = 'Query'
          and (t.trx_state = 'LOCK WAIT' or (p.state = 'Statistics' and p.time_ms > 200))`,
    );
    const waiter = (rows as Array<{ id: number }>)[0];
    if (waiter) return Number(waiter.id);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("no session waited on the lock");
}

describe.skipIf(!MYSQL_URL)("mysql repository (MariaDB here): a group commit's connection failing under it", () => {
  writeGroupFaultCases(it, {
    fresh: async () => {
      const db = await createMysqlTestDatabase();
      databases.push(db);
      return db.url;
    },
    create: (url, poolSize) => createMysqlRepository({ type: "mysql", url, poolSize }),
    async killWaiterOn(url, executionId) {
      const { holder, release } = await lockRow(url, executionId);
      const killed = waiterOn(holder).then(async (id) => void (await holder.query(`kill connection ${id}`)));
      return { killed, release };
    },
    async holdLock(url, executionId) {
      const { holder, release } = await lockRow(url, executionId);
      return { waiting: waiterOn(holder).then(() => undefined), release };
    },
  });
});
