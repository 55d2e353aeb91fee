import { startS3rver, type S3TestServer } from "@ferry/testkit/s3rver";
import { Redis } from "ioredis";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATABASES } from "./support/databases.js";
import { freePort } from "./support/ferry-process.js";
import { mixedFlow } from "./support/flows.js";
import { loseRedisData } from "./support/redis-loss.js";
import { DENO, FERRY, startProcess, WORKER_MAIN, type Proc, waitForHealth } from "./support/processes.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
if (!REDIS_URL) console.warn("\n*** SKIPPING distributed-mode tests: set FERRY_TEST_REDIS_URL ***\n");

const MIXED = mixedFlow("it.distributed", "PT0.05S");
const LONG = `id: long
namespace: it.distributed
tasks:
  - { id: nap, type: script.Shell, commands: ["sleep 3"] }
  - { id: after, type: core.Log, message: after the nap }
`;

type Execution = { id: string; state: { current: string }; taskRunList: Array<{ taskId: string; state: { current: string }; attempts: Array<{ state: { current: string }; workerId?: string }>; outputs?: Record<string, unknown> }> };

/* `long` holds a worker for 3 s (a Shell: core.Sleep waits in the executor, on no worker) */

/** scheduler + two Node workers + one Deno worker on one repository and Redis, and local storage or the given S3 bucket */
async function cluster(repository: Record<string, string>, s3?: { server: S3TestServer; bucket: string }) {
  const dir = await mkdtemp(join(tmpdir(), "ferry-dist-"));
  const port = await freePort();
  const prefix = `ferry-it-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const storage = s3
    ? `{ type: s3, bucket: ${s3.bucket}, endpoint: "${s3.server.endpoint}", accessKeyId: ${s3.server.credentials.accessKeyId}, secretAccessKey: ${s3.server.credentials.secretAccessKey} }`
    : `{ type: local, path: ${join(dir, "storage")} }`;
  await writeFile(
    join(dir, "ferry.yaml"),
    `server: { port: ${port} }\nqueue: { type: redis, url: "${REDIS_URL}", prefix: ${prefix}, claimTimeout: PT2S }\nstorage: ${storage}\nworker: { concurrency: 8 }\nexecutor: { reconcileEvery: PT0.5S, staleAfter: PT5S }\nlogging: { level: warn }\n`,
  );
  const env = { FERRY_REPOSITORY__TYPE: repository.type, FERRY_REPOSITORY__URL: repository.url };
  const scheduler = startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd: dir, env });
  const workers: Array<{ proc: Proc; id: string }> = [];
  for (const [cmd, args] of [
    [process.execPath, [FERRY, "server", "worker"]],
    [process.execPath, [FERRY, "server", "worker"]],
    [DENO, ["run", "-A", WORKER_MAIN]],
  ] as Array<[string, string[]]>) {
    const proc = startProcess(cmd, args, { cwd: dir, env });
    const [, id] = await proc.waitFor(/"msg":"ferry worker started","id":"([^"]+)"/, 60_000); // a starved CI box once took over 20 s
    workers.push({ proc, id });
  }
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url);
  const api = async <T>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(`${url}/api/v1${path}`, init)).json()) as T;
  const waitEnd = async (id: string, ms = 60_000): Promise<Execution> => {
    const end = Date.now() + ms;
    for (;;) {
      const e = await api<Execution>(`/executions/${id}`);
      if (["SUCCESS", "WARNING", "FAILED", "KILLED"].includes(e.state.current) || Date.now() > end) return e;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    url, api, waitEnd, scheduler, workers, prefix,
    async stop() {
      for (const w of workers) await w.proc.stop();
      await scheduler.stop();
    },
  };
}

// MariaDB's cluster keeps its storage in S3 (s3rver), PostgreSQL's in a shared folder: both backends under Node and Deno workers
for (const repo of SHARED_DATABASES) {
  const onS3 = repo.type === "mysql";
  describe.skipIf(!REDIS_URL || !repo.enabled)(`distributed mode on ${repo.name} + Redis${onS3 ? " + S3" : ""}: a scheduler, two Node workers and a Deno worker`, () => {
    let c: Awaited<ReturnType<typeof cluster>>;
    let db: { url: string; drop(): Promise<void> };
    let s3: S3TestServer | undefined;
    let bucket = "";
    beforeAll(async () => {
      db = await repo.create();
      if (onS3) {
        s3 = await startS3rver();
        bucket = await s3.createBucket(`it-distributed-${Date.now().toString(36)}`);
      }
      c = await cluster({ type: repo.type, url: db.url }, s3 && { server: s3, bucket });
      for (const source of [MIXED, LONG]) await fetch(`${c.url}/api/v1/flows`, { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } });
    }, 120_000);
    afterAll(async () => {
      await c?.stop();
      await db?.drop();
      await s3?.stop();
    });

    it.skipIf(!onS3)("keeps every execution's inputs and outputs in the bucket, written by Node and Deno workers alike", async () => {
      const ids = await Promise.all(Array.from({ length: 12 }, () => c.api<{ id: string }>("/executions/it.distributed/mixed", { method: "POST" }).then((e) => e.id)));
      const ended = await Promise.all(ids.map((id) => c.waitEnd(id)));
      expect(ended.map((e) => e.state.current)).toEqual(ids.map(() => "SUCCESS"));
      const keys = await s3!.keys(bucket);
      for (const id of ids) expect(keys.filter((k) => k.includes(`/executions/${id}/`)).length, id).toBeGreaterThan(0);
      const ran = new Set(ended.flatMap((e) => e.taskRunList.flatMap((r) => r.attempts.map((a) => a.workerId)).filter(Boolean)));
      expect(ran.has(c.workers[2].id), "the Deno worker ran some of the tasks").toBe(true);
    }, 60_000);

    it("serves the KV store to tasks on workers, which open the repository only for it (Node and Deno)", async () => {
      const flow = `id: kv\nnamespace: it.distributed\ntasks:\n${Array.from({ length: 6 }, (_, i) => `  - { id: set${i}, type: core.kv.Set, key: k${i}, value: ${i} }\n  - { id: get${i}, type: core.kv.Get, key: k${i} }\n`).join("")}  - { id: keys, type: core.kv.GetKeys, prefix: k }\n`;
      await fetch(`${c.url}/api/v1/flows`, { method: "POST", body: flow, headers: { "content-type": "application/x-yaml" } });
      const started = await c.api<{ id: string }>("/executions/it.distributed/kv", { method: "POST" });
      const e = (await c.waitEnd(started.id)) as unknown as { state: { current: string }; taskRunList: Array<{ taskId: string; outputs: unknown }> };
      expect(e.state.current).toBe("SUCCESS");
      for (let i = 0; i < 6; i++) expect(e.taskRunList.find((r) => r.taskId === `get${i}`)?.outputs).toEqual({ value: i });
      expect(e.taskRunList.find((r) => r.taskId === "keys")?.outputs).toEqual({ keys: ["k0", "k1", "k2", "k3", "k4", "k5"] });
    }, 60_000);

    it("holds Pauses in the scheduler: a pauseDuration ends through Redis' delayed wake-up, a resume through the API goes on with its inputs", async () => {
      const flows = [
        "id: timed-pause\nnamespace: it.distributed\ntasks:\n  - { id: wait, type: core.Pause, pauseDuration: PT1S }\n  - { id: after, type: core.Log, message: went on }\n",
        "id: manual-pause\nnamespace: it.distributed\ntasks:\n  - id: wait\n    type: core.Pause\n    onResume:\n      - { id: size, type: INT }\n  - { id: after, type: core.Return, format: \"{{ outputs.wait.onResume.size + 1 }}\" }\n",
      ];
      for (const body of flows) expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      const timed = await c.api<{ id: string }>("/executions/it.distributed/timed-pause", { method: "POST" });
      const manual = await c.api<{ id: string }>("/executions/it.distributed/manual-pause", { method: "POST" });
      for (let end = Date.now() + 30_000; (await c.api<Execution>(`/executions/${manual.id}`)).state.current !== "PAUSED"; await new Promise((r) => setTimeout(r, 50))) {
        expect(Date.now() < end, "the manual pause pauses").toBe(true);
      }
      const refused = await fetch(`${c.url}/api/v1/executions/${manual.id}/resume`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ size: "big" }) });
      expect(refused.status).toBe(422);
      const resumed = await fetch(`${c.url}/api/v1/executions/${manual.id}/resume`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ size: 41 }) });
      expect(resumed.status).toBe(200);
      const done = (await c.waitEnd(manual.id)) as unknown as { state: { current: string }; taskRunList: Array<{ taskId: string; outputs?: unknown }> };
      expect(done.state.current).toBe("SUCCESS");
      expect(done.taskRunList.find((r) => r.taskId === "after")?.outputs).toEqual({ value: "42" });
      const timedEnd = await c.waitEnd(timed.id);
      expect(timedEnd.state.current).toBe("SUCCESS");
      expect(timedEnd.taskRunList.map((r) => [r.taskId, r.state.current])).toEqual([["wait", "SUCCESS"], ["after", "SUCCESS"]]);
    }, 90_000);

    it("holds a WaitFor's interval, a flowable's timeout and a MAX_DURATION SLA in the scheduler: each ends through Redis' delayed wake-up (issue 17)", async () => {
      const flows = [
        "id: waitfor\nnamespace: it.distributed\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.WaitFor\n    condition: \"{{ outputs.count.values.n == '3' }}\"\n    checkFrequency: { interval: PT0.3S }\n    tasks:\n      - { id: count, type: core.OutputValues, values: { n: \"{{ outputs.loop.iterationCount }}\" } }\n",
        "id: group-timeout\nnamespace: it.distributed\ntasks:\n  - id: group\n    type: core.Sequential\n    timeout: PT1S\n    tasks:\n      - { id: busy, type: script.Shell, commands: [\"sleep 30\"] }\n",
        "id: sla-late\nnamespace: it.distributed\nsla:\n  - { id: quick, type: MAX_DURATION, duration: PT1S, behavior: FAIL }\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT1M }\n",
      ];
      for (const body of flows) expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      const [loop, group, late] = await Promise.all(["waitfor", "group-timeout", "sla-late"].map((f) => c.api<{ id: string }>(`/executions/it.distributed/${f}`, { method: "POST" })));
      // a worker reads outputs.loop.iterationCount of each iteration: each is its own document, not one rewritten under a URI workers cache
      const loopEnd = (await c.waitEnd(loop.id, 20_000)) as unknown as { state: { current: string }; taskRunList: Array<{ taskId: string; outputs?: unknown }> };
      expect(loopEnd.state.current).toBe("SUCCESS");
      expect(loopEnd.taskRunList.find((r) => r.taskId === "loop")?.outputs).toEqual({ iterationCount: 3 });
      expect(loopEnd.taskRunList.filter((r) => r.taskId === "count")).toHaveLength(1);
      const groupEnd = await c.waitEnd(group.id, 20_000);
      expect(groupEnd.state.current).toBe("FAILED");
      expect(groupEnd.taskRunList.map((r) => [r.taskId, r.state.current])).toEqual([["group", "FAILED"], ["busy", "KILLED"]]);
      const lateEnd = await c.waitEnd(late.id, 20_000);
      expect(lateEnd.state.current).toBe("FAILED");
    }, 90_000);

    it("runs a WorkingDirectory's children on one worker in one folder, and a ForEachItem's batches as subflow executions (issue 17)", async () => {
      const flows = [
        "id: wd\nnamespace: it.distributed\ntasks:\n  - id: wdir\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n    outputFiles: [out.txt]\n    tasks:\n" +
          "      - { id: write, type: script.Shell, commands: [\"echo shared > out.txt\"] }\n" +
          "      - { id: read, type: script.Shell, commands: [\"cat out.txt\"] }\n",
        "id: item\nnamespace: it.distributed\ninputs:\n  - { id: order, type: STRING }\ntasks:\n  - { id: show, type: core.Log, message: \"{{ read(inputs.order) }}\" }\n" +
          "outputs:\n  - { id: item, type: STRING, value: \"{{ read(inputs.order) | trim }}\" }\n",
        "id: items\nnamespace: it.distributed\ntasks:\n  - { id: file, type: core.storage.Write, content: \"a\\nb\\nc\\nd\" }\n" +
          "  - id: each\n    type: io.kestra.plugin.core.flow.ForEachItem\n    items: \"{{ outputs.file.uri }}\"\n    namespace: it.distributed\n    flowId: item\n    inputs:\n      order: \"{{ taskrun.items }}\"\n",
      ];
      for (const body of flows) expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      const wd = await c.api<{ id: string }>("/executions/it.distributed/wd", { method: "POST" });
      const items = await c.api<{ id: string }>("/executions/it.distributed/items", { method: "POST" });
      const wdEnd = await c.waitEnd(wd.id);
      expect(wdEnd.state.current).toBe("SUCCESS");
      const workersOf = (taskId: string) => wdEnd.taskRunList.find((r) => r.taskId === taskId)!.attempts.map((a) => a.workerId);
      expect(new Set([...workersOf("wdir"), ...workersOf("write"), ...workersOf("read")]).size).toBe(1);
      expect(Object.keys(wdEnd.taskRunList.find((r) => r.taskId === "wdir")!.outputs!.outputFiles as object)).toEqual(["out.txt"]);
      const itemsEnd = await c.waitEnd(items.id);
      expect(itemsEnd.state.current).toBe("SUCCESS");
      expect(itemsEnd.taskRunList.find((r) => r.taskId === "each_items")!.outputs).toMatchObject({ numberOfBatches: 4, iterations: { SUCCESS: 4, CREATED: 0 } });
      expect(itemsEnd.taskRunList.find((r) => r.taskId === "each_merge")!.outputs!.subflowOutputs).toMatch(/^ferry:\/\//);
    }, 90_000);

    it("runs a Loop's iterations as loop sub-executions (kind LOOP) on the workers, nested Loops within them (issue 17)", async () => {
      const body =
        "id: looped\nnamespace: it.distributed\ntasks:\n  - { id: before, type: core.Return, format: B }\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: [a, b, c]\n    concurrencyLimit: 2\n" +
        "    outputs:\n      - { id: said, type: STRING, value: \"{{ outputs.say.value }}\" }\n    tasks:\n" +
        "      - { id: say, type: core.Return, format: \"{{ outputs.before.value }}{{ item.value }}\" }\n" +
        "      - id: inner\n        type: io.kestra.plugin.core.flow.Loop\n        values: [1, 2]\n        tasks:\n          - { id: deep, type: core.Log, message: \"{{ item.parent.value }}{{ item.value }}\" }\n" +
        "  - { id: after, type: core.Log, message: \"{{ loopOutputs(outputs.loop.outputs, 'said') }}\" }\n";
      expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      const { id } = await c.api<{ id: string }>("/executions/it.distributed/looped", { method: "POST" });
      const end = await c.waitEnd(id, 30_000);
      expect(end.state.current).toBe("SUCCESS");
      expect(end.taskRunList.map((r) => r.taskId)).toEqual(["before", "loop", "after"]);
      expect(end.taskRunList.find((r) => r.taskId === "loop")!.outputs).toMatchObject({ iterationCount: 3, runningIterations: 0, terminatedIterations: { SUCCESS: 3 } });
      const iterations = await c.api<{ results: Array<{ id: string; state: { current: string }; loopRun: { index: number } }> }>(`/executions/search?kind=LOOP&parentId=${id}&size=10`);
      expect(iterations.results.map((e) => [e.loopRun.index, e.state.current]).sort()).toEqual([[0, "SUCCESS"], [1, "SUCCESS"], [2, "SUCCESS"]]);
      const inner = await Promise.all(iterations.results.map((e) => c.api<{ total: number }>(`/executions/search?kind=LOOP&parentId=${e.id}&size=10`)));
      expect(inner.map((p) => p.total)).toEqual([2, 2, 2]);
      // collected as the iterations ended (Kestra's order), so two that ran at once come in either order
      const logs = await c.api<Array<{ message: string }>>(`/logs/${id}`);
      const said = logs.map((l) => l.message).find((m) => m.startsWith("["));
      expect((JSON.parse(said!) as string[]).sort()).toEqual(["Ba", "Bb", "Bc"]);
    }, 90_000);

    it("prints a whole float a flow wrote (1.0) as Kestra does, its place carried beside the task through Redis (issue 17)", async () => {
      const body =
        "id: doubles\nnamespace: it.distributed\nvariables:\n  ratio: 1.0\ntasks:\n" +
        "  - id: values\n    type: io.kestra.plugin.core.output.OutputValues\n    values: { whole: 2.0, list: [3.0, 4] }\n" +
        "  - { id: said, type: core.Return, format: \"{{ vars.ratio }} {{ outputs.values.values.whole }} {{ outputs.values.values.list | toJson }}\" }\n";
      expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      const { id } = await c.api<{ id: string }>("/executions/it.distributed/doubles", { method: "POST" });
      const end = await c.waitEnd(id);
      expect(end.state.current).toBe("SUCCESS");
      expect(end.taskRunList.find((r) => r.taskId === "said")!.outputs).toEqual({ value: "1.0 2.0 [3.0,4]" });
    }, 60_000);

    it("answers a restart, a markAs and a replay from a task run RESTARTED, then runs them on the workers; a restart on a revision is a new execution (issue 17)", async () => {
      const flow = (format: string) => `id: restartable\nnamespace: it.distributed\ntasks:\n  - { id: a, type: core.Return, format: "${format}" }\n  - { id: c, type: core.Log, message: "{{ taskrun.attemptsCount == 1 ? 'ok' : ko }}" }\n  - { id: d, type: core.Return, format: "{{ outputs.a.value }}" }\n`;
      const deploy = async (format: string) => expect((await fetch(`${c.url}/api/v1/flows/it.distributed/restartable`, { method: "PUT", body: flow(format), headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body: flow("one"), headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      type Answer = Omit<Execution, "state" | "taskRunList"> & { parentId?: string; flowRevision: number; state: { current: string; histories: Array<{ state: string }> }; taskRunList: Array<Execution["taskRunList"][number] & { id: string }> };
      const post = (path: string, body?: unknown) => c.api<Answer>(path, { method: "POST", ...(body ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}) });
      const failed = async () => {
        const e = await c.api<{ id: string }>("/executions/it.distributed/restartable", { method: "POST" });
        const ended = (await c.waitEnd(e.id)) as Answer;
        expect(ended.state.current).toBe("FAILED");
        return ended;
      };
      const histories = (e: Answer) => e.state.histories.map((h) => h.state);

      const first = await failed();
      const restarted = await post(`/executions/${first.id}/restart`);
      expect(restarted.state.current).toBe("RESTARTED");
      expect(histories(restarted)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED"]);
      expect(restarted.taskRunList.find((r) => r.taskId === "c")?.state.current).toBe("RESTARTED");
      const again = (await c.waitEnd(first.id)) as Answer;
      expect(again.state.current).toBe("SUCCESS");
      expect(histories(again)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED", "RUNNING", "SUCCESS"]);

      const second = await failed();
      const marked = await post(`/executions/${second.id}/state`, { taskRunId: second.taskRunList.find((r) => r.taskId === "c")!.id, state: "SUCCESS" });
      expect(marked.state.current).toBe("RESTARTED");
      expect((await c.waitEnd(second.id)).state.current).toBe("SUCCESS");

      const replay = await post(`/executions/${again.id}/replay?taskRunId=${again.taskRunList.find((r) => r.taskId === "d")!.id}`);
      expect(replay.state.current).toBe("RESTARTED");
      expect(histories(replay)).toEqual([...histories(again), "RESTARTED"]);
      expect(replay.taskRunList.map((r) => `${r.taskId}:${r.state.current}`)).toEqual(["a:SUCCESS", "c:SUCCESS", "d:RESTARTED"]);
      expect((await c.waitEnd(replay.id)).state.current).toBe("SUCCESS");

      const third = await failed();
      await deploy("two");
      const onRevision = await post(`/executions/${third.id}/restart?revision=${third.flowRevision + 1}`);
      expect(onRevision.id).not.toBe(third.id);
      expect(onRevision.parentId).toBe(third.id);
      expect(onRevision.flowRevision).toBe(third.flowRevision + 1);
      expect(onRevision.state.current).toBe("RESTARTED");
      const revEnd = (await c.waitEnd(onRevision.id)) as Answer;
      expect(revEnd.state.current).toBe("SUCCESS");
      expect(revEnd.taskRunList.find((r) => r.taskId === "d")?.outputs).toEqual({ value: "one" });
      expect((await c.api<Answer>(`/executions/${third.id}`)).state.current).toBe("FAILED");
      const unknown = await fetch(`${c.url}/api/v1/executions/${third.id}/restart?revision=99`, { method: "POST" });
      expect(unknown.status).toBe(404);
      // searchable by its state while it is one
      const search = await c.api<{ total: number }>("/executions/search?state=RESTARTED&namespace=it.distributed");
      expect(search.total).toBe(0);
    }, 120_000);

    it("restarts a PAUSED execution (Kestra's State.isRestartable): answered RESTARTED after PAUSED, the Pause goes on, the task after it runs on a worker (issue 17)", async () => {
      const body = "id: held\nnamespace: it.distributed\ntasks:\n  - { id: wait, type: io.kestra.plugin.core.flow.Pause }\n  - { id: after, type: core.Return, format: after }\n";
      expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      const { id } = await c.api<{ id: string }>("/executions/it.distributed/held", { method: "POST" });
      type Answer = Execution & { state: { histories: Array<{ state: string }> } };
      for (const end = Date.now() + 30_000; (await c.api<Execution>(`/executions/${id}`)).state.current !== "PAUSED" && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
      const restarted = await c.api<Answer>(`/executions/${id}/restart`, { method: "POST" });
      expect(restarted.state.histories.map((h) => h.state)).toEqual(["CREATED", "RUNNING", "PAUSED", "RESTARTED"]);
      expect(restarted.taskRunList.map((r) => `${r.taskId}:${r.state.current}`)).toEqual(["wait:RUNNING"]);
      const end = await c.waitEnd(id);
      expect(end.state.current).toBe("SUCCESS");
      expect(end.taskRunList.map((r) => `${r.taskId}:${r.state.current}`)).toEqual(["wait:SUCCESS", "after:SUCCESS"]);
      expect(end.taskRunList.find((r) => r.taskId === "after")!.attempts[0].workerId).toBeTruthy();
    }, 60_000);

    it("restarts an execution PAUSED on an Approval (no decision, its finally and the next task on workers) and on a waiting LoopUntil (paused again for a whole interval, the restart counting an iteration, then its last on a worker; the first wait's wake-up still in Redis), as Kestra's ExecutionService.restart (issue 17)", async () => {
      const deploy = async (body: string) => expect((await fetch(`${c.url}/api/v1/flows`, { method: "POST", body, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      await deploy("id: reviewed\nnamespace: it.distributed\ntasks:\n  - id: approval\n    type: io.kestra.plugin.core.flow.Approval\n    onApprove: [{ id: approved, type: core.Return, format: approved }]\n    finally: [{ id: cleanup, type: core.Return, format: cleanup }]\n  - { id: after, type: core.Return, format: \"{{ outputs.approval.decision ?? 'no decision' }}\" }\n");
      await deploy("id: looping\nnamespace: it.distributed\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.LoopUntil\n    condition: \"false\"\n    checkFrequency: { interval: PT2S, maxIterations: 3 }\n    tasks:\n      - { id: count, type: core.Return, format: \"{{ outputs.loop.iterationCount }}\" }\n");
      const startPaused = async (flowId: string) => {
        const { id } = await c.api<{ id: string }>(`/executions/it.distributed/${flowId}`, { method: "POST" });
        for (const end = Date.now() + 30_000; (await c.api<Execution>(`/executions/${id}`)).state.current !== "PAUSED" && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
        return id;
      };
      const reviewed = await startPaused("reviewed");
      const looping = await startPaused("looping");
      for (const id of [reviewed, looping]) expect((await c.api<Execution>(`/executions/${id}/restart`, { method: "POST" })).state.current).toBe("RESTARTED");
      const approval = await c.waitEnd(reviewed);
      expect(approval.state.current).toBe("SUCCESS");
      expect(approval.taskRunList.map((r) => `${r.taskId}:${r.state.current}`)).toEqual(["approval:SUCCESS", "cleanup:SUCCESS", "after:SUCCESS"]);
      expect(approval.taskRunList.find((r) => r.taskId === "after")!.outputs).toEqual({ value: "no decision" });
      const loop = await c.waitEnd(looping);
      expect(loop.state.current).toBe("SUCCESS");
      // iteration 1, the restart counting 2 and waiting again, then iteration 3 (maxIterations) on a worker
      expect(loop.taskRunList.map((r) => `${r.taskId}:${r.state.current}`)).toEqual(["loop:SUCCESS", "count:SUCCESS"]);
      expect(loop.taskRunList.find((r) => r.taskId === "count")!.outputs).toEqual({ value: "3" });
      expect(loop.taskRunList.find((r) => r.taskId === "count")!.attempts[0].workerId).toBeTruthy();
    }, 90_000);

    it("lists the three workers, Deno among them", async () => {
      // workers announce themselves every 2 s
      let workers: Array<{ id: string; runtime: string }> = [];
      for (let i = 0; i < 50 && workers.length < 3; i++) {
        workers = await c.api<Array<{ id: string; runtime: string }>>("/workers");
        if (workers.length < 3) await new Promise((r) => setTimeout(r, 100));
      }
      expect(workers.map((w) => w.id).sort()).toEqual(c.workers.map((w) => w.id).sort());
      expect(workers.some((w) => w.runtime.startsWith("deno"))).toBe(true);
    });

    it("runs 200 executions mixing Parallel, ForEach and Sleep to SUCCESS, while a worker is SIGKILLed mid-task", async () => {
      const victim = await c.api<{ id: string }>("/executions/it.distributed/long", { method: "POST" });
      const ids: string[] = [];
      // find the worker running the victim's nap, and kill it without warning
      let holder: string | undefined;
      for (let i = 0; i < 100 && !holder; i++) {
        const e = await c.api<Execution>(`/executions/${victim.id}`);
        holder = e.taskRunList.find((t) => t.taskId === "nap")?.attempts[0]?.workerId;
        if (!holder) await new Promise((r) => setTimeout(r, 50));
      }
      const killed = c.workers.find((w) => w.id === holder);
      expect(killed, "the victim's worker").toBeDefined();
      await killed!.proc.stop("SIGKILL");
      for (let i = 0; i < 200; i++) ids.push((await c.api<{ id: string }>("/executions/it.distributed/mixed", { method: "POST" })).id);

      const ends = await Promise.all(ids.map((id) => c.waitEnd(id)));
      expect(ends.filter((e) => e.state.current !== "SUCCESS").map((e) => `${e.id} ${e.state.current}`)).toEqual([]);
      const victimEnd = await c.waitEnd(victim.id);
      expect(victimEnd.state.current).toBe("SUCCESS");
      const nap = victimEnd.taskRunList.find((t) => t.taskId === "nap")!;
      expect(nap.attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
      expect(nap.attempts[1].workerId).not.toBe(holder);
    }, 180_000);

    it("never re-runs a task of an execution killed while its worker was dead (Kestra #19730)", async () => {
      const live = c.workers.filter((w) => w.proc.child.exitCode === null && w.proc.child.signalCode === null);
      const started = await c.api<{ id: string }>("/executions/it.distributed/long", { method: "POST" });
      let holder: string | undefined;
      for (let i = 0; i < 100 && !holder; i++) {
        const e = await c.api<Execution>(`/executions/${started.id}`);
        holder = e.taskRunList.find((t) => t.taskId === "nap")?.attempts[0]?.workerId;
        if (!holder) await new Promise((r) => setTimeout(r, 50));
      }
      await live.find((w) => w.id === holder)!.proc.stop("SIGKILL");
      await fetch(`${c.url}/api/v1/executions/${started.id}/kill`, { method: "DELETE" });
      await new Promise((r) => setTimeout(r, 4000)); // past the claim timeout: the job is handed on
      const e = await c.waitEnd(started.id);
      expect(e.state.current).toBe("KILLED");
      expect(e.taskRunList.find((t) => t.taskId === "nap")!.attempts).toHaveLength(1);
      expect(e.taskRunList.find((t) => t.taskId === "after")).toBeUndefined();
    }, 60_000);

    it("finishes every execution when Redis loses everything mid-run (the repository is the system of record)", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) ids.push((await c.api<{ id: string }>("/executions/it.distributed/mixed", { method: "POST" })).id);
      ids.push((await c.api<{ id: string }>("/executions/it.distributed/long", { method: "POST" })).id);
      await new Promise((r) => setTimeout(r, 300));
      await loseRedisData(REDIS_URL!, c.prefix);
      const ends = await Promise.all(ids.map((id) => c.waitEnd(id, 90_000)));
      expect(ends.filter((e) => e.state.current !== "SUCCESS").map((e) => `${e.id} ${e.state.current}`)).toEqual([]);
    }, 120_000);

    it("leaves nothing of finished executions in Redis", async () => {
      const redis = new Redis(REDIS_URL!);
      const keys = await redis.keys(`${c.prefix}:*`);
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === "stream") expect(await redis.xlen(key), key).toBe(0);
        if (type === "zset") expect(await redis.zcard(key), key).toBe(0);
      }
      redis.disconnect();
    });
  });
}
