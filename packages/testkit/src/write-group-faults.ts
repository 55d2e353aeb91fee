import { isUnavailable, newId, type ExecutionRecord, type Repository, type TaskRunRecord } from "@ferry/sdk";
import { expect } from "vitest";
import { TcpProxy } from "./tcp-proxy.js";

/** what the fault cases need of a server database's repository (PostgreSQL, MariaDB) */
export interface WriteGroupFaultOptions {
  /** a fresh database's URL */
  fresh(): Promise<string>;
  create(url: string, poolSize: number): Repository;
  /**
   * From a second connection: locks the execution's row (a transaction left open), and once
   * another session waits on that lock kills that session's connection (MariaDB's KILL
   * CONNECTION, PostgreSQL's pg_terminate_backend). `killed` resolves once it did; `release`
   * ends the lock's transaction and connection.
   */
  killWaiterOn(url: string, executionId: string): Promise<{ killed: Promise<void>; release(): Promise<void> }>;
  /**
   * From a second connection: locks the execution's row (a transaction left open); `waiting`
   * resolves once another session waits on that lock; `release` ends the lock's transaction and
   * connection.
   */
  holdLock(url: string, executionId: string): Promise<{ waiting: Promise<void>; release(): Promise<void> }>;
}

const COUNT = 10;
const now = () => new Date().toISOString();
const running = (id: string, step: string, version: number): ExecutionRecord => {
  const stamp = now();
  return { id, namespace: "c.faults", flowId: "group", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: stamp }], startDate: stamp }, labels: { step }, created: stamp, updated: stamp, version };
};
const run = (executionId: string, taskId: string): TaskRunRecord => {
  const stamp = now();
  return { id: `${executionId}-${taskId}`, executionId, taskId, state: { current: "QUEUED", histories: [{ state: "QUEUED", date: stamp }], startDate: stamp }, attempts: [] };
};
/** the HTTP status a caller's outcome becomes: 200 done, 503 the database out of reach, else the error's own */
const statusOf = (result: PromiseSettledResult<unknown>) =>
  result.status === "fulfilled" ? 200 : isUnavailable(result.reason) ? 503 : ((result.reason as { status?: number }).status ?? String(result.reason));

/** the URL with the proxy's port in place of the server's */
const through = (url: string, proxy: TcpProxy) => {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(proxy.port);
  return u.toString();
};

/**
 * A group of saves (group commit) whose connection fails under it: every caller gets its true
 * outcome — done when its write is in the database, out of reach (503) when it is not — nothing
 * is written twice (each execution's version moves by one per save answered), nothing lost.
 */
export function writeGroupFaultCases(it: (name: string, fn: () => Promise<void>, timeout?: number) => void, options: WriteGroupFaultOptions): void {
  /** a repository through a proxy (pool of one), its COUNT executions inserted at version 1 and saved once (version 2) */
  async function start() {
    const url = await options.fresh();
    const target = new URL(url);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
    const repo = options.create(through(url, proxy), 1);
    await repo.init?.();
    const ids = Array.from({ length: COUNT }, () => newId());
    await Promise.all(ids.map((id) => repo.insertExecution(running(id, "inserted", 1), [run(id, "first")])));
    // one group written before the fault: its statements are known (prepared) on the connection
    await Promise.all(ids.map((id) => repo.saveExecution(running(id, "warm", 2), [run(id, "warm")], { expectedVersion: 1 })));
    const saveAll = (step: string, expectedVersion: number, only = ids) =>
      Promise.allSettled(only.map((id) => repo.saveExecution(running(id, step, expectedVersion + 1), [run(id, step)], { expectedVersion })));
    const stored = (id: string) => repo.getExecution(id).then((s) => ({ version: s!.execution.version, step: s!.execution.labels.step, runs: s!.taskRuns.map((t) => t.taskId).sort() }));
    return { url, proxy, repo, ids, saveAll, stored, stop: async () => (await repo.close?.(), await proxy.stop()) };
  }

  it("a group's answer lost after its COMMIT reached the database: every save answered as written, each written once", async () => {
    const { proxy, ids, saveAll, stored, stop } = await start();
    try {
      const cut = proxy.loseNextAnswer(500);
      const results = await saveAll("answer-lost", 2);
      await cut;
      // the commit landed: each caller learns it from its row, not a 503 for a write that is there
      expect(results.map(statusOf)).toEqual(ids.map(() => 200));
      for (const id of ids) expect(await stored(id)).toEqual({ version: 3, step: "answer-lost", runs: ["answer-lost", "first", "warm"] });
      // and the next save goes on from there (version 3, not a retry of the same write)
      expect((await saveAll("after", 3)).map(statusOf)).toEqual(ids.map(() => 200));
      for (const id of ids) expect((await stored(id)).version).toBe(4);
    } finally {
      await stop();
    }
  }, 60_000);

  it("a group's request lost before it reached the database: every save answered out of reach (503) with nothing written, then written once when tried again", async () => {
    const { proxy, ids, saveAll, stored, stop } = await start();
    try {
      const cut = proxy.loseNextRequest();
      const results = await saveAll("request-lost", 2);
      await cut;
      expect(results.map(statusOf)).toEqual(ids.map(() => 503));
      for (const id of ids) expect(await stored(id)).toEqual({ version: 2, step: "warm", runs: ["first", "warm"] });
      expect((await saveAll("request-lost", 2)).map(statusOf)).toEqual(ids.map(() => 200));
      for (const id of ids) expect(await stored(id)).toEqual({ version: 3, step: "request-lost", runs: ["first", "request-lost", "warm"] });
    } finally {
      await stop();
    }
  }, 60_000);

  it("the connection killed by the server while a group is in flight: each caller told its true outcome, the failed ones written once when tried again", async () => {
    const { url, ids, saveAll, stored, stop } = await start();
    try {
      // the group waits on a row another session holds; the server then kills the group's connection
      const lock = await options.killWaiterOn(url, ids[0]!);
      const saving = saveAll("killed", 2);
      await lock.killed;
      await lock.release();
      const results = await saving;
      const statuses = results.map(statusOf);
      for (const [i, id] of ids.entries()) {
        expect([200, 503], `save ${i}: ${statuses[i]}`).toContain(statuses[i]);
        // answered done: written; answered out of reach: not written at all
        expect(await stored(id)).toEqual(statuses[i] === 200 ? { version: 3, step: "killed", runs: ["first", "killed", "warm"] } : { version: 2, step: "warm", runs: ["first", "warm"] });
      }
      // one group, one transaction, killed before its commit: rolled back whole, none of its saves written
      expect(statuses).toEqual(ids.map(() => 503));
      const failed = ids.filter((_, i) => statuses[i] === 503);
      expect((await saveAll("killed", 2, failed)).map(statusOf)).toEqual(failed.map(() => 200));
      for (const id of ids) expect(await stored(id)).toEqual({ version: 3, step: "killed", runs: ["first", "killed", "warm"] });
    } finally {
      await stop();
    }
  }, 60_000);

  it("the group's connection cut while its session still waits on a lock on the server: that session ended before the re-read, nothing of the group lands after its callers were answered", async () => {
    const { url, proxy, ids, saveAll, stored, stop } = await start();
    const lock = await options.holdLock(url, ids[0]!);
    try {
      const saving = saveAll("cut-waiting", 2);
      await lock.waiting;
      // the client's end of the group's connection is cut (new connections go through again); on
      // the server its session goes on waiting for the row, and would commit the group once it has it
      await proxy.cut();
      await proxy.restore();
      const statuses = (await saving).map(statusOf);
      // the lock goes only now, after every caller was answered: a session left waiting would take the row and commit
      await lock.release();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(statuses).toEqual(ids.map(() => 503));
      for (const id of ids) expect(await stored(id)).toEqual({ version: 2, step: "warm", runs: ["first", "warm"] });
      // tried again, each save is written once
      expect((await saveAll("cut-waiting", 2)).map(statusOf)).toEqual(ids.map(() => 200));
      for (const id of ids) expect(await stored(id)).toEqual({ version: 3, step: "cut-waiting", runs: ["cut-waiting", "first", "warm"] });
    } finally {
      await lock.release();
      await stop();
    }
  }, 60_000);
}
