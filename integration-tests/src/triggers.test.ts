import { createHmac } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../repository-backends/postgres/src/test-database.test-support.js";
import { freePort, runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";
import { FERRY, startProcess, waitForHealth, type Proc } from "./support/processes.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = { "content-type": "application/json" };

type Execution = { id: string; state: { current: string }; trigger: { variables: { date: string } } };
async function executionsOf(url: string, namespace: string, flowId: string): Promise<Execution[]> {
  const page = (await (await fetch(`${url}/api/v1/executions/search?namespace=${namespace}&flowId=${flowId}&size=1000`)).json()) as { results: Execution[] };
  return page.results;
}
const fireSeconds = (executions: Execution[]) => executions.map((e) => Date.parse(e.trigger.variables.date) / 1000).sort((a, b) => a - b);

const everySecond = (namespace: string, id: string, policy = "ALL") => `id: ${id}
namespace: ${namespace}
tasks:
  - { id: log, type: core.Log, message: "fired at {{ trigger.date }}" }
triggers:
  - id: tick
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    recoverMissedSchedules: ${policy}
    # what these tests count is the fires themselves: none waits for the previous execution's end (Kestra's default lock)
    allowConcurrent: true
`;

const HOOKED = `id: hooked
namespace: it.hooks
inputs:
  - { id: user, type: STRING }
tasks:
  - { id: hello, type: core.Return, format: "hello {{ inputs.user }} from {{ trigger.headers['user-agent'][0] }}" }
outputs:
  - { id: greeting, type: STRING, value: "{{ outputs.hello.value }}" }
triggers:
  - id: answer
    type: io.kestra.plugin.core.trigger.Webhook
    key: "{{ secret('IT_HOOK_KEY') }}"
    wait: true
    returnOutputs: true
    inputs:
      user: "{{ trigger.body.user }}"
    signature:
      secret: "{{ secret('IT_HOOK_SIGNING') }}"
`;

describe("triggers in a real ferry server local", () => {
  let ferry: FerryProcess;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ferry-it-triggers-"));
    await mkdir(join(dir, "flows"));
    await writeFile(join(dir, "flows/hooked.yaml"), HOOKED);
    await writeFile(join(dir, "flows/all.yaml"), everySecond("it.sched", "all", "ALL"));
    await writeFile(join(dir, "flows/none.yaml"), everySecond("it.sched", "none", "NONE"));
    const env = { SECRET_IT_HOOK_KEY: Buffer.from("k-123").toString("base64"), SECRET_IT_HOOK_SIGNING: Buffer.from("signing ✓").toString("base64") };
    ferry = await startFerryProcess({ cwd: dir, args: ["--flows", "flows"], env });
  }, 60_000);
  afterAll(async () => ferry?.stop());

  it("webhook round trip: signed call, wait for the end, answer the flow's outputs; a repeated Idempotency-Key starts nothing", async () => {
    const body = JSON.stringify({ user: "ada" });
    const signature = `sha256=${createHmac("sha256", "signing ✓").update(body).digest("hex")}`;
    const call = (headers: Record<string, string>) =>
      fetch(`${ferry.url}/api/v1/executions/webhook/it.hooks/hooked/k-123`, { method: "POST", body, headers: { ...json, "user-agent": "it", ...headers } });
    const first = await call({ "x-hub-signature-256": signature, "idempotency-key": "delivery-1" });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ greeting: "hello ada from it" });
    const repeat = await call({ "x-hub-signature-256": signature, "idempotency-key": "delivery-1" });
    expect(await repeat.json()).toEqual({ greeting: "hello ada from it" });
    expect(await executionsOf(ferry.url, "it.hooks", "hooked")).toHaveLength(1);
    const unsigned = await call({ "idempotency-key": "delivery-2" });
    expect(unsigned.status).toBe(401);
    expect((await call({ "x-hub-signature-256": signature.replace(/.$/, "0") })).status).toBe(401);
    const wrongKey = await fetch(`${ferry.url}/api/v1/executions/webhook/it.hooks/hooked/k-124`, { method: "POST", body, headers: json });
    expect(wrongKey.status).toBe(404);
  });

  it("schedules recover per policy after a restart; the CLI lists and disables them", async () => {
    await sleep(2500);
    await ferry.stop();
    await sleep(4000);
    ferry = await startFerryProcess({ cwd: dir, port: Number(new URL(ferry.url).port) });
    await sleep(2500);
    const list = await runCli(["trigger", "list", "--namespace", "it.sched", "--server", ferry.url]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/it\.sched\.all\s+tick\s+io\.kestra\.plugin\.core\.trigger\.Schedule\s+enabled/);
    for (const flow of ["all", "none"]) {
      const off = await runCli(["trigger", "disable", "it.sched", flow, "tick", "--server", ferry.url]);
      expect(off.stdout).toContain(`trigger tick of it.sched.${flow} disabled`);
    }
    expect((await runCli(["trigger", "list", "--namespace", "it.sched", "--server", ferry.url])).stdout).toMatch(/it\.sched\.none\s+tick\s+\S+\s+disabled/);

    // ALL: every second from the first fire to the last, the downtime included, each once
    const all = fireSeconds(await executionsOf(ferry.url, "it.sched", "all"));
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all[all.length - 1] - all[0] + 1).toBe(all.length);
    // NONE: the seconds the server was down are skipped
    const none = fireSeconds(await executionsOf(ferry.url, "it.sched", "none"));
    expect(new Set(none).size).toBe(none.length);
    const gaps = none.slice(1).map((s, i) => s - none[i]);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(4);
    const bad = await runCli(["trigger", "backfill", "it.sched", "all", "tick", "--start", "soon", "--server", ferry.url]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("--start 'soon' is not an ISO-8601 date-time") });
  }, 60_000);
});

describe.skipIf(!REDIS_URL || !POSTGRES_URL)("a schedule with two schedulers on one PostgreSQL database", () => {
  let db: { url: string; drop(): Promise<void> };
  const procs: Proc[] = [];
  const urls: string[] = [];
  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), "ferry-it-sched-"));
    const prefix = `ferry-it-sched-${Date.now().toString(36)}`;
    const env = { FERRY_REPOSITORY__TYPE: "postgres", FERRY_REPOSITORY__URL: db.url };
    for (const name of ["a", "b"]) {
      const port = await freePort();
      await writeFile(
        join(dir, `${name}.yaml`),
        `server: { port: ${port} }\nqueue: { type: redis, url: "${REDIS_URL}", prefix: ${prefix} }\nstorage: { type: local, path: ${join(dir, "storage")} }\nlogging: { level: warn }\n`,
      );
      procs.push(startProcess(process.execPath, [FERRY, "server", "scheduler", "--config", join(dir, `${name}.yaml`)], { cwd: dir, env }));
      urls.push(`http://127.0.0.1:${port}`);
    }
    for (const url of urls) await waitForHealth(url);
    const worker = startProcess(process.execPath, [FERRY, "server", "worker", "--config", join(dir, "a.yaml")], { cwd: dir, env });
    await worker.waitFor(/ferry worker started/);
    procs.push(worker);
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await db?.drop();
  });

  it("starts exactly one execution per second for 20 s", async () => {
    const source = everySecond("it.replicas.sched", "tick");
    const deployed = await fetch(`${urls[0]}/api/v1/flows`, { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } });
    expect(deployed.status).toBe(200);
    await sleep(20_000);
    const off = await fetch(`${urls[1]}/api/v1/triggers/it.replicas.sched/tick/tick`, { method: "PUT", body: JSON.stringify({ disabled: true }), headers: json });
    expect(off.status).toBe(200);
    await sleep(6000); // the other replica sees the switch within its refresh interval
    const executions = await executionsOf(urls[0], "it.replicas.sched", "tick");
    const seconds = fireSeconds(executions);
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(seconds[seconds.length - 1] - seconds[0] + 1).toBe(seconds.length);
    expect(seconds.length).toBeGreaterThanOrEqual(19);
    expect(seconds.length).toBeLessThanOrEqual(27);
    await sleep(2000);
    const finished = await executionsOf(urls[1], "it.replicas.sched", "tick");
    expect(finished.length).toBe(executions.length);
    expect(finished.filter((e) => e.state.current !== "SUCCESS").length).toBeLessThanOrEqual(2);
  }, 60_000);
});
