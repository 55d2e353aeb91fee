import { repositoryContract } from "@ferry/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlRepository } from "./mysql.repository.js";
import { createMysqlTestDatabase, MYSQL_URL } from "./test-database.test-support.js";

const databases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});
const fresh = async () => {
  const db = await createMysqlTestDatabase();
  databases.push(db);
  return db.url;
};

describe.skipIf(!MYSQL_URL)("mysql repository (MariaDB here)", () => {
  repositoryContract("mysql", async () => createMysqlRepository({ type: "mysql", url: await fresh() }));

  it("migrates once when two servers start together on an empty database", async () => {
    const url = await fresh();
    const a = createMysqlRepository({ type: "mysql", url });
    const b = createMysqlRepository({ type: "mysql", url });
    await Promise.all([a.init(), b.init()]);
    await a.saveFlow({ namespace: "race", id: "f", source: "x" });
    expect((await b.getFlow("race", "f"))?.revision).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it("names the server it cannot reach", async () => {
    const repo = createMysqlRepository({ type: "mysql", url: "mysql://root:secret@127.0.0.1:1/none" });
    await expect(repo.init()).rejects.toThrow(/cannot connect to MySQL at mysql:\/\/root:\*\*\*@127.0.0.1:1\/none/);
    await repo.close();
  });
});
