import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./support/ferry-process.js";
import { FERRY, startProcess, type Proc, waitForHealth } from "./support/processes.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;

type Execution = { state: { current: string }; taskRunList: Array<{ taskId: string; attempts: Array<{ state: { current: string }; workerId?: string }> }> };

describe.skipIf(!REDIS_URL)("a worker stopped with SIGTERM", () => {
  const procs: Proc[] = [];
  const workers: Array<{ proc: Proc; id: string }> = [];
  let url = "";
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-sigterm-"));
    const port = await freePort();
    // a long claim timeout: only the worker's own hand-back can explain a quick second attempt
    await writeFile(
      join(dir, "ferry.yaml"),
      `server: { port: ${port} }\nqueue: { type: redis, url: "${REDIS_URL}", prefix: ferry-it-term-${Date.now().toString(36)}, claimTimeout: PT60S }\nstorage: { type: local, path: ${join(dir, "storage")} }\nlogging: { level: warn }\n`,
    );
    procs.push(startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd: dir }));
    for (let i = 0; i < 2; i++) {
      const proc = startProcess(process.execPath, [FERRY, "server", "worker", "--grace", "0.2"], { cwd: dir });
      const [, id] = await proc.waitFor(/"msg":"ferry worker started","id":"([^"]+)"/);
      workers.push({ proc, id });
      procs.push(proc);
    }
    url = `http://127.0.0.1:${port}`;
    await waitForHealth(url);
    await fetch(`${url}/api/v1/flows`, {
      method: "POST",
      headers: { "content-type": "application/x-yaml" },
      body: "id: long\nnamespace: it.term\ntasks:\n  - { id: nap, type: script.Shell, commands: [\"sleep 2\"] }\n",
    });
  }, 60_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
  });

  it("lets it finish within the grace, then hands it back: another worker runs it as a new attempt", async () => {
    const { id } = (await (await fetch(`${url}/api/v1/executions/it.term/long`, { method: "POST" })).json()) as { id: string };
    let holder: string | undefined;
    for (let i = 0; i < 100 && !holder; i++) {
      const e = (await (await fetch(`${url}/api/v1/executions/${id}`)).json()) as Execution;
      holder = e.taskRunList[0]?.attempts[0]?.workerId;
      if (!holder) await new Promise((r) => setTimeout(r, 50));
    }
    const stopping = workers.find((w) => w.id === holder)!;
    const stoppedAt = Date.now();
    await stopping.proc.stop("SIGTERM");
    expect(stopping.proc.child.exitCode).toBe(0);
    let e: Execution | undefined;
    for (let i = 0; i < 200; i++) {
      e = (await (await fetch(`${url}/api/v1/executions/${id}`)).json()) as Execution;
      if (e.state.current === "SUCCESS") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(e!.state.current).toBe("SUCCESS");
    expect(Date.now() - stoppedAt).toBeLessThan(15_000); // far below the 60 s claim timeout
    const nap = e!.taskRunList[0];
    expect(nap.attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(nap.attempts[1].workerId).not.toBe(holder);
  }, 60_000);
});
