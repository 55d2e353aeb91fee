import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, get } from "node:http";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, REPO_ROOT } from "./support/ferry-process.js";
import { DENO, FERRY, startProcess, WORKER_MAIN, type Proc, waitForHealth } from "./support/processes.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const RUNNER = join(REPO_ROOT, "../shared/conformance/run.py");

// every task of the Kestra corpus runs on a Deno worker: the scheduler has none of its own
describe.skipIf(!REDIS_URL || !existsSync(RUNNER))("the Kestra corpus through a Deno worker only", () => {
  const procs: Proc[] = [];
  let url = "";
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-deno-"));
    const port = await freePort();
    await writeFile(
      join(dir, "ferry.yaml"),
      `server: { port: ${port} }\nqueue: { type: redis, url: "${REDIS_URL}", prefix: ferry-it-deno-${Date.now().toString(36)} }\nstorage: { type: local, path: ${join(dir, "storage")} }\nlogging: { level: warn }\n`,
    );
    const scheduler = startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd: dir });
    procs.push(scheduler);
    const deno = startProcess(DENO, ["run", "-A", WORKER_MAIN], { cwd: dir });
    procs.push(deno);
    await deno.waitFor(/"runtime":"deno /);
    url = `http://127.0.0.1:${port}`;
    await waitForHealth(url);
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
  });

  it("passes every case, each task run recorded on the Deno worker", async () => {
    const run = spawnSync("python3", [RUNNER, "--url", url, "--verbose"], { encoding: "utf8", timeout: 120_000 });
    expect(run.stdout, run.stdout + run.stderr).toMatch(/^\d+ passed, 0 failed$/m);
    const workers = (await (await fetch(`${url}/api/v1/workers`)).json()) as Array<{ id: string; runtime: string }>;
    expect(workers).toHaveLength(1);
    expect(workers[0].runtime).toMatch(/^deno /);
    const page = (await (await fetch(`${url}/api/v1/executions/search?namespace=qa.conformance&size=1`)).json()) as { results: Array<{ id: string }> };
    const execution = (await (await fetch(`${url}/api/v1/executions/${page.results[0].id}`)).json()) as { taskRunList: Array<{ attempts: Array<{ workerId?: string }> }> };
    for (const run of execution.taskRunList) for (const a of run.attempts) expect(a.workerId).toBe(workers[0].id);
  }, 150_000);

  it("an HTTP task's options.proxy goes through Deno's own client; options.ssl.insecureTrustAllCertificates is refused there, saying why", async () => {
    const seen: string[] = [];
    const target = createServer((req, res) => res.end(`target ${req.url}`));
    // a forward proxy relaying absolute-form requests
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers["proxy-authorization"]}`);
      get(req.url!, (answer) => answer.pipe(res));
    });
    const servers = [target, proxy];
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()))));
    const portOf = (s: typeof target) => (s.address() as { port: number }).port;
    try {
      const flow = `id: proxied
namespace: it.deno
tasks:
  - id: through
    type: io.kestra.plugin.core.http.Request
    uri: http://127.0.0.1:${portOf(target)}/via
    options: { proxy: { type: HTTP, address: 127.0.0.1, port: ${portOf(proxy)}, username: u, password: p } }
  - id: unchecked
    type: io.kestra.plugin.core.http.Request
    uri: https://127.0.0.1:1/never
    options: { ssl: { insecureTrustAllCertificates: true } }
`;
      const deployed = await fetch(`${url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: flow });
      expect(deployed.status, await deployed.text()).toBeLessThan(300);
      const run = (await (await fetch(`${url}/api/v1/executions/it.deno/proxied?wait=true`, { method: "POST" })).json()) as { id: string };
      const execution = (await (await fetch(`${url}/api/v1/executions/${run.id}`)).json()) as { state: { current: string }; taskRunList: Array<{ taskId: string; outputs?: { body?: string } }> };
      expect(execution.state.current).toBe("FAILED");
      expect(execution.taskRunList.find((t) => t.taskId === "through")?.outputs?.body).toBe("target /via");
      expect(seen).toEqual([`GET http://127.0.0.1:${portOf(target)}/via Basic ${Buffer.from("u:p").toString("base64")}`]);
      const logs = (await (await fetch(`${url}/api/v1/logs/${run.id}`)).json()) as Array<{ message: string }>;
      expect(logs.map((l) => l.message).join("\n")).toMatch(/a Deno worker cannot turn certificate checks off/);
    } finally {
      for (const s of servers) s.close();
    }
  }, 60_000);
});
