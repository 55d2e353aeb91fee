import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../repository-backends/postgres/src/test-database.test-support.js";
import { freePort } from "./support/ferry-process.js";
import { FERRY, startProcess, waitForHealth, type Proc } from "./support/processes.js";
import { TcpProxy } from "@ferry/testkit/tcp-proxy";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const FLOW = `id: steady
namespace: it.outage
tasks:
  - { id: nap, type: core.Sleep, duration: PT1S }
  - { id: log, type: core.Log, message: "done {{ execution.id }}" }
`;
type Execution = { id: string; state: { current: string } };

async function waitForEnds(url: string, ids: string[]): Promise<string[]> {
  const ends: string[] = [];
  for (const id of ids) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await fetch(`${url}/api/v1/executions/${id}`);
      const e = response.status === 200 ? ((await response.json()) as Execution) : undefined;
      if ((e && ["SUCCESS", "FAILED", "KILLED", "WARNING"].includes(e.state.current)) || Date.now() > deadline) {
        ends.push(`${id} ${e?.state.current ?? `HTTP ${response.status}`}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return ends;
}

describe.skipIf(!REDIS_URL || !POSTGRES_URL)("PostgreSQL or Redis out of reach while running (scheduler + worker, both behind proxies)", () => {
  let db: { url: string; drop(): Promise<void> };
  let proxy: TcpProxy;
  let redisProxy: TcpProxy;
  const procs: Proc[] = [];
  let url: string;
  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    const target = new URL(db.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const redis = new URL(REDIS_URL!);
    redisProxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    redis.port = String(redisProxy.port);
    const dir = await mkdtemp(join(tmpdir(), "ferry-outage-"));
    const port = await freePort();
    await writeFile(
      join(dir, "ferry.yaml"),
      `server: { port: ${port} }\nrepository: { type: postgres, url: "${viaProxy}" }\nqueue: { type: redis, url: "${redis}", prefix: ferry-it-outage-${Date.now().toString(36)}, claimTimeout: PT2S }\nstorage: { type: local, path: ${join(dir, "storage")} }\nexecutor: { reconcileEvery: PT1S, staleAfter: PT5S }\nlogging: { level: error }\n`,
    );
    procs.push(startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd: dir }));
    url = `http://127.0.0.1:${port}`;
    await waitForHealth(url);
    const worker = startProcess(process.execPath, [FERRY, "server", "worker"], { cwd: dir });
    await worker.waitFor(/ferry worker started/);
    procs.push(worker);
    const deployed = await fetch(`${url}/api/v1/flows`, { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } });
    expect(deployed.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await proxy?.stop();
    await redisProxy?.stop();
    await db?.drop();
  });

  it("answers 503 JSON meanwhile, loses nothing, and finishes every execution when it is back", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(((await (await fetch(`${url}/api/v1/executions/it.outage/steady`, { method: "POST" })).json()) as Execution).id);
    await proxy.cut();
    for (const [method, path] of [["GET", `/executions/${ids[0]}`], ["GET", "/executions/search?namespace=it.outage"], ["POST", "/executions/it.outage/steady"]]) {
      const response = await fetch(`${url}/api/v1${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(503);
      expect(((await response.json()) as { message: string }).message).toMatch(/^service unavailable: .+; retry later$/);
    }
    await new Promise((r) => setTimeout(r, 2500)); // the tasks end on the worker; their results wait in Redis
    await proxy.restore();
    expect(await waitForEnds(url, ids)).toEqual(ids.map((id) => `${id} SUCCESS`));
    expect(procs.every((p) => p.child.exitCode === null)).toBe(true);
  }, 120_000);

  it("with Redis out of reach, refuses new executions with 503 at once, still reads, and finishes the running ones when it is back", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(((await (await fetch(`${url}/api/v1/executions/it.outage/steady`, { method: "POST" })).json()) as Execution).id);
    await redisProxy.cut();
    await new Promise((r) => setTimeout(r, 200));
    const refused = await fetch(`${url}/api/v1/executions/it.outage/steady`, { method: "POST" });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toContain("the queue is out of reach");
    expect((await fetch(`${url}/api/v1/executions/${ids[0]}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    await redisProxy.restore();
    expect(await waitForEnds(url, ids)).toEqual(ids.map((id) => `${id} SUCCESS`));
    const total = ((await (await fetch(`${url}/api/v1/executions/search?namespace=it.outage&size=100`)).json()) as { total: number }).total;
    expect(total).toBe(30); // 20 + 10: the refused requests created nothing
    expect(procs.every((p) => p.child.exitCode === null)).toBe(true);
  }, 120_000);
});
