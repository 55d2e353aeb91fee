import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../../../repository-backends/postgres/src/test-database.test-support.js";
import { startFerry, type FerryServer } from "../ferry.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two server replicas on one PostgreSQL database and one Redis, each running its polling
 * scheduler: an http.Trigger is evaluated once per interval between them, not once by each.
 */
describe.skipIf(!POSTGRES_URL || !REDIS_URL)("http.Trigger on two replicas of one PostgreSQL database", () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  let http: Server;
  let base: string;
  const calls: number[] = [];
  const replicas: FerryServer[] = [];

  beforeAll(async () => {
    http = createServer((_req, res) => {
      calls.push(Date.now());
      res.writeHead(200, { "content-type": "text/plain" }).end("up");
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    db = await createPostgresTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "ferry-polling-replicas-"));
    const prefix = `ferry-polling-replicas-${Date.now().toString(36)}`;
    for (let i = 0; i < 2; i++) {
      const config = configSchema.parse({
        server: { port: 0 }, repository: { type: "postgres", url: db.url }, queue: { type: "redis", url: REDIS_URL, prefix }, storage: { type: "local", path: join(dir, "storage") },
      });
      replicas.push(await startFerry({ config, baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
    await new Promise((resolve) => http?.close(resolve));
  });

  it("both replicas evaluate it: one call and at most one execution per interval", async () => {
    const url = (i: number, path: string) => `${replicas[i].url}/api/v1${path}`;
    const flow = `id: poll\nnamespace: replicas.polling\ntasks:\n  - { id: log, type: core.Log, message: "{{ trigger.body }}" }\ntriggers:\n  - { id: http, type: io.kestra.plugin.core.http.Trigger, uri: "${base}/up", interval: PT1S }\n`;
    const start = Date.now();
    expect((await fetch(url(0, "/flows"), { method: "POST", body: flow, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
    // B sees the flow within its index's poll; from then on both evaluate every slot
    for (const end = Date.now() + 10_000; Date.now() < end && !(await replicas[1].deps.triggers.index.of("replicas.polling", "poll")).length; ) await sleep(50);
    await sleep(6000);
    expect((await fetch(url(1, "/flows/replicas.polling/poll"), { method: "DELETE" })).status).toBe(204);
    await sleep(2500);
    // the seconds from the deploy until after the delete reached both: the slots either could evaluate
    const elapsedSeconds = Math.ceil((Date.now() - start) / 1000) + 1;
    const executions = ((await (await fetch(url(0, "/executions/search?namespace=replicas.polling&flowId=poll&size=1000"))).json()) as { results: Array<{ trigger: { variables: { body: string } } }> }).results;
    expect(calls.length).toBeGreaterThanOrEqual(2);
    // each slot claimed by one replica: never two calls in one interval (both replicas calling would double them)
    expect(calls.length).toBeLessThanOrEqual(elapsedSeconds);
    // every call met the condition; a slot whose previous execution still ran made no call
    expect(executions.length).toBe(calls.length);
    for (const e of executions) expect(e.trigger.variables.body).toBe("up");
  }, 40_000);
});
