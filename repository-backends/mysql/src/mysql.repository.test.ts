import type { ExecutionRecord, TaskRunRecord } from "@ferry/sdk";
import { repositoryContract } from "@ferry/testkit";
import mysql from "mysql2/promise";
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

  it("starts and works with a pool of one connection (the migration lock is held apart from the pool)", async () => {
    const repo = createMysqlRepository({ type: "mysql", url: await fresh(), poolSize: 1 });
    await repo.init();
    await repo.saveFlow({ namespace: "one", id: "f", source: "x" });
    expect((await repo.getFlow("one", "f"))?.revision).toBe(1);
    await repo.close();
  }, 20_000);

  it("migrates once when two servers start together on an empty database", async () => {
    const url = await fresh();
    const a = createMysqlRepository({ type: "mysql", url });
    const b = createMysqlRepository({ type: "mysql", url });
    await Promise.all([a.init(), b.init()]);
    await a.saveFlow({ namespace: "race", id: "f", source: "x" });
    expect((await b.getFlow("race", "f"))?.revision).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it("a save whose task run fails is written not at all, and leaves no transaction open on the pooled connection", async () => {
    // one connection, so the next statements run where the failed transaction ran
    const repo = createMysqlRepository({ type: "mysql", url: await fresh(), poolSize: 1 });
    await repo.init();
    const created = new Date().toISOString();
    const execution: ExecutionRecord = { id: "e-atomic", namespace: "hot", flowId: "f", flowRevision: 1, state: { current: "CREATED", histories: [{ state: "CREATED", date: created }], startDate: created }, labels: {}, created, updated: created, version: 0 };
    await repo.saveExecution(execution);
    const running: ExecutionRecord = { ...execution, state: { ...execution.state, current: "RUNNING", histories: [...execution.state.histories, { state: "RUNNING", date: created }] } };
    // an id longer than the column's 64 characters: strict mode refuses the insert after the update ran
    const tooLong = { id: "x".repeat(100), executionId: execution.id, taskId: "t", state: running.state, attempts: [] } as unknown as TaskRunRecord;
    await expect(repo.saveExecution(running, [tooLong], { expectedVersion: 0 })).rejects.toThrow();
    const stored = await repo.getExecution(execution.id);
    expect([stored?.execution.state.current, stored?.execution.version, stored?.taskRuns.length]).toEqual(["CREATED", 0, 0]);
    // the same connection saves (and commits) the next one
    await repo.saveExecution(running, [{ ...tooLong, id: "run-1" }], { expectedVersion: 0 });
    const other = createMysqlRepository({ type: "mysql", url: (repo as unknown as { url: string }).url });
    await other.init();
    expect((await other.getExecution(execution.id))?.taskRuns.map((t) => t.id)).toEqual(["run-1"]);
    await Promise.all([repo.close(), other.close()]);
  });

  it("a save that skips the labels' statements (same labels, at the version this process wrote) keeps execution_labels exact, across two processes", async () => {
    const url = await fresh();
    const a = createMysqlRepository({ type: "mysql", url });
    const b = createMysqlRepository({ type: "mysql", url });
    await Promise.all([a.init(), b.init()]);
    const at = new Date().toISOString();
    const state = (current: string) => ({ current, histories: [{ state: current, date: at }], startDate: at }) as ExecutionRecord["state"];
    const e: ExecutionRecord = { id: "e-labels", namespace: "hot.labels", flowId: "f", flowRevision: 1, state: state("RUNNING"), labels: { k: "one" }, created: at, updated: at, version: 1 };
    const found = async (repo: typeof a, value: string) => (await repo.searchExecutions({ namespace: "hot.labels", labels: { k: value }, page: 1, size: 10 })).results.map((r) => r.id);
    await a.insertExecution(e);
    // a's own saves, labels unchanged: the rows stay
    await a.saveExecution({ ...e, updated: new Date().toISOString() }, [], { expectedVersion: 1 });
    await a.saveExecution({ ...e }, [], { expectedVersion: 2 });
    expect(await found(b, "one")).toEqual(["e-labels"]);
    // b changes them at version 3; a, which wrote version 3 with "one", then saves "one" again at version 4
    await b.saveExecution({ ...e, labels: { k: "two" } }, [], { expectedVersion: 3 });
    expect([await found(a, "one"), await found(a, "two")]).toEqual([[], ["e-labels"]]);
    await a.saveExecution({ ...e, labels: { k: "one" } }, [], { expectedVersion: 4 });
    expect([await found(b, "one"), await found(b, "two")]).toEqual([["e-labels"], []]);
    // a stale save of a's (at the version it wrote before b's) is refused and writes nothing
    await expect(a.saveExecution({ ...e, labels: { k: "three" } }, [], { expectedVersion: 3 })).rejects.toMatchObject({ status: 409 });
    // changed on a's own save at its own version: rewritten
    await a.saveExecution({ ...e, labels: { k: "four" } }, [], { expectedVersion: 5 });
    expect([await found(b, "one"), await found(b, "four")]).toEqual([[], ["e-labels"]]);
    expect((await b.getExecution(e.id))?.execution).toMatchObject({ version: 6, labels: { k: "four" } });
    await Promise.all([a.close(), b.close()]);
  });

  it("finds executions by label through execution_labels, exactly: after a label changes, for long keys and values, not by case", async () => {
    const repo = createMysqlRepository({ type: "mysql", url: await fresh() });
    await repo.init();
    const created = new Date().toISOString();
    const long = "k".repeat(200);
    const base = (id: string, labels: Record<string, string>): ExecutionRecord => ({
      id, namespace: "labels", flowId: "f", flowRevision: 1, state: { current: "CREATED", histories: [{ state: "CREATED", date: created }], startDate: created }, labels, created, updated: created, version: 0,
    });
    await repo.saveExecution(base("a", { env: "prod", team: "x" }));
    await repo.saveExecution(base("b", { env: "Prod" }));
    await repo.saveExecution(base("c", { [`${long}1`]: `${"v".repeat(300)}1`, [`${long}2`]: `${"v".repeat(300)}2` }));
    const ids = async (labels: Record<string, string>) => (await repo.searchExecutions({ namespace: "labels", labels, page: 1, size: 10 })).results.map((e) => e.id).sort();
    expect(await ids({ env: "prod" })).toEqual(["a"]);
    expect(await ids({ env: "Prod" })).toEqual(["b"]);
    expect(await ids({ [`${long}2`]: `${"v".repeat(300)}2` })).toEqual(["c"]);
    expect(await ids({ [`${long}2`]: `${"v".repeat(300)}1` })).toEqual([]);
    // a versioned save that changes the labels moves the rows; one that loses its race does not
    await repo.saveExecution(base("a", { env: "dev" }), [], { expectedVersion: 0 });
    await expect(repo.saveExecution(base("a", { env: "test" }), [], { expectedVersion: 0 })).rejects.toMatchObject({ status: 409 });
    expect([await ids({ env: "prod" }), await ids({ env: "dev" }), await ids({ env: "test" }), await ids({ team: "x" })]).toEqual([[], ["a"], [], []]);
    await repo.saveExecution(base("b", { env: "Prod" }), [], { expectedVersion: 0 });
    expect(await ids({ env: "Prod" })).toEqual(["b"]);
    // ten writers race on one version, each with its own label: the winner's label alone is found
    await repo.saveExecution(base("race", { writer: "none" }));
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => repo.saveExecution(base("race", { writer: String(i) }), [], { expectedVersion: 0 })));
    const winners = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [String(i)] : []));
    expect(winners).toHaveLength(1);
    const found = await Promise.all(["none", ...Array.from({ length: 10 }, (_, i) => String(i))].map(async (writer) => ((await ids({ writer })).length ? writer : undefined)));
    expect(found.filter(Boolean)).toEqual(winners);
    await repo.close();
  });

  it("saves of 20 executions at once with their labels kept (one joined update): 6 saved meanwhile by another process refused (409) alone, the 14 others written with their task runs", async () => {
    const url = await fresh();
    const [a, b] = [createMysqlRepository({ type: "mysql", url }), createMysqlRepository({ type: "mysql", url })];
    await Promise.all([a.init(), b.init()]);
    const stamp = new Date().toISOString();
    const execution = (id: string, current: "RUNNING" | "SUCCESS"): ExecutionRecord => ({
      id, namespace: "joined", flowId: "f", flowRevision: 1, state: { current, histories: [{ state: current, date: stamp }], startDate: stamp }, labels: { team: "x" }, created: stamp, updated: stamp, version: 1,
    });
    const run = (executionId: string, taskId: string): TaskRunRecord => ({ id: `${executionId}-${taskId}`, executionId, taskId, state: { current: "QUEUED", histories: [{ state: "QUEUED", date: stamp }], startDate: stamp }, attempts: [] });
    const ids = Array.from({ length: 20 }, (_, i) => `joined-${i}`);
    await Promise.all(ids.map((id) => a.insertExecution(execution(id, "RUNNING"), [run(id, "first")])));
    // another scheduler saves some of them: a's remembered version is now stale for those
    const moved = (i: number) => i % 3 === 0;
    for (const [i, id] of ids.entries()) if (moved(i)) await b.saveExecution(execution(id, "RUNNING"), [run(id, "other")], { expectedVersion: 1 });
    const results = await Promise.allSettled(ids.map((id) => a.saveExecution(execution(id, "SUCCESS"), [run(id, "second")], { expectedVersion: 1 })));
    results.forEach((r, i) => expect(r.status, `save ${i}`).toBe(moved(i) ? "rejected" : "fulfilled"));
    for (const r of results) if (r.status === "rejected") expect((r.reason as { status?: number }).status).toBe(409);
    for (const [i, id] of ids.entries()) {
      const stored = (await a.getExecution(id))!;
      expect(stored.execution).toMatchObject({ version: 2, state: { current: moved(i) ? "RUNNING" : "SUCCESS" }, labels: { team: "x" } });
      expect(stored.taskRuns.map((t) => t.taskId).sort()).toEqual(moved(i) ? ["first", "other"] : ["first", "second"]);
    }
    // the refused saves' executions are saved again at the version read: a's hint was dropped, so labels are compared again
    await a.saveExecution({ ...execution(ids[0]!, "SUCCESS"), labels: { team: "y" } }, [], { expectedVersion: 2 });
    expect((await a.searchExecutions({ namespace: "joined", labels: { team: "y" }, page: 1, size: 5 })).results.map((e) => e.id)).toEqual([ids[0]]);
    await Promise.all([a.close(), b.close()]);
  });

  it("names the server it cannot reach", async () => {
    const repo = createMysqlRepository({ type: "mysql", url: "mysql://root:secret@127.0.0.1:1/none" });
    await expect(repo.init()).rejects.toThrow(/cannot connect to MySQL at mysql:\/\/root:\*\*\*@127.0.0.1:1\/none/);
    await repo.close();
  });

  it("inserts and saves near max_allowed_packet asked together: the group split by bytes, every one written whole", async () => {
    const url = await fresh();
    const repo = createMysqlRepository({ type: "mysql", url });
    await repo.init();
    const maxPacket = await maxAllowedPacket(url);
    // each write a third of the packet (five of them together: more than the packet)
    const big = (n: number, tag: string) => `${tag}${String(n)}`.padEnd(Math.floor(Number(maxPacket) / 3), "x");
    const at = new Date().toISOString();
    const state = (current: string) => ({ current, histories: [{ state: current, date: at }], startDate: at }) as ExecutionRecord["state"];
    const ids = Array.from({ length: 5 }, (_, n) => `e-big-${n}`);
    const run = (id: string, task: string, n: number) => ({ id: `${id}-${task}`, executionId: id, taskId: task, state: state("RUNNING"), attempts: [{ state: state("RUNNING"), big: big(n, task) }] }) as unknown as TaskRunRecord;
    const execution = (id: string, version: number): ExecutionRecord => ({ id, namespace: "hot.big", flowId: "f", flowRevision: 1, state: state("RUNNING"), labels: {}, created: at, updated: at, version });
    const inserted = await Promise.allSettled(ids.map((id, n) => repo.insertExecution(execution(id, 1), [run(id, "first", n)])));
    expect(inserted.map((r) => r.status)).toEqual(ids.map(() => "fulfilled"));
    const saved = await Promise.allSettled(ids.map((id, n) => repo.saveExecution(execution(id, 2), [run(id, "second", n)], { expectedVersion: 1 })));
    expect(saved.map((r) => (r.status === "rejected" ? String(r.reason) : r.status))).toEqual(ids.map(() => "fulfilled"));
    for (const [n, id] of ids.entries()) {
      const stored = (await repo.getExecution(id))!;
      expect(stored.execution.version).toBe(2);
      expect(stored.taskRuns.map((t) => [t.taskId, (t.attempts[0] as unknown as { big: string }).big])).toEqual([["first", big(n, "first")], ["second", big(n, "second")]]);
    }
    await repo.close();
  }, 120_000);

  it("reads an execution whose task runs together pass max_allowed_packet: the one-statement read comes cut, the two selects read it whole", async () => {
    // Before: the JSON array of the runs came back as a JSON column cut at the packet, which mysql2 parsed
    // itself and threw on ("Unterminated string in JSON"): the execution could no longer be read
    const url = await fresh();
    const repo = createMysqlRepository({ type: "mysql", url });
    await repo.init();
    const maxPacket = await maxAllowedPacket(url);
    const big = (task: string) => task.padEnd(Math.floor(Number(maxPacket) / 3), "y");
    const at = new Date().toISOString();
    const state = { current: "RUNNING", histories: [{ state: "RUNNING", date: at }], startDate: at } as ExecutionRecord["state"];
    const run = (task: string) => ({ id: `e-wide-${task}`, executionId: "e-wide", taskId: task, state, attempts: [{ state, big: big(task) }] }) as unknown as TaskRunRecord;
    const execution = (version: number): ExecutionRecord => ({ id: "e-wide", namespace: "hot.wide", flowId: "f", flowRevision: 1, state, labels: {}, created: at, updated: at, version });
    const tasks = ["a", "b", "c", "d"];
    await repo.insertExecution(execution(1), [run(tasks[0]!)]);
    for (const [n, task] of tasks.slice(1).entries()) await repo.saveExecution(execution(n + 2), [run(task)], { expectedVersion: n + 1 });
    const stored = (await repo.getExecution("e-wide"))!;
    expect(stored.execution.version).toBe(4);
    expect(stored.taskRuns.map((t) => [t.taskId, (t.attempts[0] as unknown as { big: string }).big])).toEqual(tasks.map((task) => [task, big(task)]));
    await repo.close();
  }, 120_000);
});

/** the server's max_allowed_packet, in bytes */
async function maxAllowedPacket(url: string): Promise<number> {
  const admin = await mysql.createConnection({ uri: url });
  try {
    const [[{ maxPacket }]] = (await admin.query("select @@max_allowed_packet as maxPacket")) as unknown as [[{ maxPacket: number }]];
    return Number(maxPacket);
  } finally {
    await admin.end();
  }
}
