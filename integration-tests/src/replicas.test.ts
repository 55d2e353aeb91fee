import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATABASES } from "./support/databases.js";
import { freePort } from "./support/ferry-process.js";
import { mixedFlow } from "./support/flows.js";
import { FERRY, startProcess, type Proc, waitForHealth } from "./support/processes.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;

const MIXED = mixedFlow("it.replicas", "PT0.1S");

type Execution = { id: string; state: { current: string }; taskRunList: Array<{ taskId: string }> };

for (const { name, enabled, create, type } of SHARED_DATABASES) describe.skipIf(!REDIS_URL || !enabled)(`two schedulers on one ${name} database`, () => {
  let db: { url: string; drop(): Promise<void> };
  const procs: Proc[] = [];
  const urls: string[] = [];
  beforeAll(async () => {
    db = await create();
    const dir = await mkdtemp(join(tmpdir(), "ferry-replicas-"));
    const prefix = `ferry-it-rep-${Date.now().toString(36)}`;
    const env = { FERRY_REPOSITORY__TYPE: type, FERRY_REPOSITORY__URL: db.url };
    for (const name of ["a", "b"]) {
      const port = await freePort();
      await writeFile(
        join(dir, `${name}.yaml`),
        `server: { port: ${port} }\nqueue: { type: redis, url: "${REDIS_URL}", prefix: ${prefix}, claimTimeout: PT2S }\nstorage: { type: local, path: ${join(dir, "storage")} }\nexecutor: { reconcileEvery: PT1S, staleAfter: PT5S }\nlogging: { level: warn }\n`,
      );
      const scheduler = startProcess(process.execPath, [FERRY, "server", "scheduler", "--config", join(dir, `${name}.yaml`)], { cwd: dir, env });
      procs.push(scheduler);
      urls.push(`http://127.0.0.1:${port}`);
      await waitForHealth(urls[urls.length - 1]);
    }
    const worker = startProcess(process.execPath, [FERRY, "server", "worker", "--config", join(dir, "a.yaml"), "--concurrency", "16"], { cwd: dir, env });
    await worker.waitFor(/ferry worker started/);
    procs.push(worker);
    await fetch(`${urls[0]}/api/v1/flows`, { method: "POST", body: MIXED, headers: { "content-type": "application/x-yaml" } });
  }, 120_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await db?.drop();
  });

  it("advances each execution once, and finishes them all when one scheduler is SIGKILLed", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${urls[i % 2]}/api/v1/executions/it.replicas/mixed`, { method: "POST" });
      ids.push(((await r.json()) as { id: string }).id);
    }
    await procs[0].stop("SIGKILL");
    const ends: Execution[] = [];
    for (const id of ids) {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const e = (await (await fetch(`${urls[1]}/api/v1/executions/${id}`)).json()) as Execution;
        if (["SUCCESS", "FAILED", "KILLED", "WARNING"].includes(e.state.current) || Date.now() > deadline) {
          ends.push(e);
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(ends.filter((e) => e.state.current !== "SUCCESS").map((e) => `${e.id} ${e.state.current}`)).toEqual([]);
    // one task run per task (and per ForEach value): nothing was advanced twice
    for (const e of ends) expect(e.taskRunList.map((t) => t.taskId).sort()).toEqual(["done", "each", "fan", "nap", "nap", "nap", "ret"]);
  }, 150_000);
});
