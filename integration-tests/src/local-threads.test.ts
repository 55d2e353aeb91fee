import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

interface Execution {
  id: string;
  state: { current: string };
  taskRunList: Array<{ taskId: string; state: { current: string }; outputs?: Record<string, unknown>; attempts?: Array<{ workerId?: string }> }>;
}

const NS = "it.threads";
const PROBE = join(REPO_ROOT, "integration-tests/fixtures/thread-probe");

/** true while a process with this pid exists */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * `ferry server local` runs its task runs in worker threads (worker.threads): a user plugin
 * loaded from configuration runs there, with secrets and logs in order; kills and timeouts
 * reach a Shell task's processes across the thread boundary.
 */
describe("ferry server local with worker threads", () => {
  let ferry: FerryProcess;
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), "ferry-it-threads-"));
    await writeFile(join(cwd, "ferry.yaml"), `plugins: ["@ferry/plugin-core", "@ferry/plugin-script", "${PROBE}"]\nworker: { concurrency: 4, threads: 2 }\n`);
    ferry = await startFerryProcess({ cwd, env: { SECRET_PROBE_TOKEN: Buffer.from("s3cr3t-value").toString("base64") } });
  }, 60_000);
  afterAll(async () => {
    await ferry?.stop();
  });

  const deploy = async (yaml: string) => expect((await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: yaml, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
  const run = async (flowId: string, wait: boolean) => (await (await fetch(`${ferry.url}/api/v1/executions/${NS}/${flowId}${wait ? "?wait=true" : ""}`, { method: "POST" })).json()) as Execution;
  const execution = async (id: string) => (await (await fetch(`${ferry.url}/api/v1/executions/${id}`)).json()) as Execution;

  it("two worker threads announce themselves; the user plugin's task runs in one of them, not on the API's thread, with its secret masked in logs kept in order", async () => {
    const workers = (await (await fetch(`${ferry.url}/api/v1/workers`)).json()) as Array<{ id: string; concurrency: number }>;
    expect(workers.map((w) => w.concurrency).sort()).toEqual([2, 2]);
    await deploy(`id: where
namespace: ${NS}
tasks:
  - { id: probe, type: probe.Where, lines: 300, secret: "{{ secret('PROBE_TOKEN') }}" }
`);
    const ended = await run("where", true);
    expect(ended.state.current).toBe("SUCCESS");
    const probe = ended.taskRunList.find((t) => t.taskId === "probe")!;
    expect(probe.outputs).toMatchObject({ isMainThread: false, secretLength: 12 });
    expect(probe.outputs!.threadId).toBeGreaterThan(0);
    expect(workers.map((w) => w.id)).toContain(probe.attempts?.at(-1)?.workerId);
    const logs = (await (await fetch(`${ferry.url}/api/v1/logs/${ended.id}`)).json()) as Array<{ message: string }>;
    const messages = logs.map((l) => l.message);
    expect(messages.filter((m) => m.startsWith("line "))).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i}`));
    expect(messages).toContain("secret is ******");
    expect(messages.join("\n")).not.toContain("s3cr3t-value");
  });

  it("a whole float a flow wrote (1.0) prints as Kestra's Double on a worker thread: its place crosses postMessage beside the task (issue 17)", async () => {
    await deploy(`id: doubles
namespace: ${NS}
variables:
  ratio: 1.0
tasks:
  - { id: values, type: io.kestra.plugin.core.output.OutputValues, values: { whole: 2.0 } }
  - { id: said, type: core.Return, format: "{{ vars.ratio }} {{ outputs.values.values.whole }}" }
`);
    const ended = await run("doubles", true);
    expect(ended.state.current).toBe("SUCCESS");
    expect(ended.taskRunList.find((t) => t.taskId === "said")!.outputs).toEqual({ value: "1.0 2.0" });
  });

  it("a killed execution's Shell task dies with its processes; a timed-out one too", async () => {
    const pidFile = (name: string) => join(cwd, `${name}.pid`);
    const shell = (id: string, extra: string) => `id: ${id}
namespace: ${NS}
tasks:
  - id: sleepy
    type: script.Shell
${extra}    commands:
      - sleep 60 &
      - echo $! > ${pidFile(id)}
      - wait
`;
    await deploy(shell("killed", ""));
    // long enough for the shell to start and write its pid on a loaded box, short beside the sleep
    await deploy(shell("timed-out", "    timeout: PT5S\n"));
    const pidOf = async (id: string) => Number((await readFile(pidFile(id), "utf8").catch(() => "")).trim()) || undefined;

    const started = await run("killed", false);
    expect(await until(async () => (await pidOf("killed")) !== undefined, 10_000)).toBe(true);
    const killedPid = (await pidOf("killed"))!;
    expect(alive(killedPid)).toBe(true);
    expect((await fetch(`${ferry.url}/api/v1/executions/${started.id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);
    expect(await until(async () => (await execution(started.id)).state.current === "KILLED", 10_000)).toBe(true);
    expect(await until(() => !alive(killedPid), 5_000), `pid ${killedPid} outlived its kill`).toBe(true);

    const timedOut = await run("timed-out", true);
    expect(timedOut.state.current).toBe("FAILED");
    const timedOutPid = (await pidOf("timed-out"))!;
    expect(timedOutPid).toBeGreaterThan(0);
    expect(await until(() => !alive(timedOutPid), 5_000), `pid ${timedOutPid} outlived its timeout`).toBe(true);
  });
});

describe("kill -9 of a server whose worker runs in threads", () => {
  it("leaves no child running: the Shell task's processes die with the process", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-it-threads-kill9-"));
    await writeFile(join(cwd, "ferry.yaml"), "worker: { threads: 1 }\n");
    const ferry = await startFerryProcess({ cwd });
    const pidFile = join(cwd, "sleep.pid");
    try {
      const flow = `id: sleepy\nnamespace: ${NS}\ntasks:\n  - id: sleepy\n    type: script.Shell\n    commands:\n      - sleep 60 &\n      - echo $! > ${pidFile}\n      - wait\n`;
      expect((await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: flow, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      await fetch(`${ferry.url}/api/v1/executions/${NS}/sleepy`, { method: "POST" });
      const pidOf = async () => Number((await readFile(pidFile, "utf8").catch(() => "")).trim()) || undefined;
      expect(await until(async () => (await pidOf()) !== undefined, 10_000)).toBe(true);
      const pid = (await pidOf())!;
      expect(alive(pid)).toBe(true);
      await ferry.kill9();
      expect(await until(() => !alive(pid), 5_000), `pid ${pid} outlived the server`).toBe(true);
    } finally {
      await ferry.stop();
    }
  });
});

describe("a worker thread that crashes", () => {
  it("takes the process down with exit 70 and says which thread, as an uncaught error on the one thread would", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-it-threads-crash-"));
    await writeFile(join(cwd, "ferry.yaml"), `plugins: ["@ferry/plugin-core", "${PROBE}"]\nworker: { threads: 1 }\n`);
    const ferry = await startFerryProcess({ cwd });
    try {
      await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: `id: crash\nnamespace: ${NS}\ntasks:\n  - { id: crash, type: probe.Crash }\n`, headers: { "content-type": "application/x-yaml" } });
      await fetch(`${ferry.url}/api/v1/executions/${NS}/crash`, { method: "POST" });
      expect(await until(() => ferry.child.exitCode !== null, 10_000)).toBe(true);
      expect(ferry.child.exitCode).toBe(70);
      expect(ferry.output()).toMatch(/worker thread 1 died: Error: probe crash/);
    } finally {
      await ferry.stop();
    }
  });
});

describe("a worker thread that cannot start", () => {
  it("fails the server's start, naming the thread and why, instead of waiting on it", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-it-threads-refused-"));
    const refuser = join(REPO_ROOT, "integration-tests/fixtures/thread-refuser");
    await writeFile(join(cwd, "ferry.yaml"), `plugins: ["@ferry/plugin-core", "${refuser}"]\nworker: { concurrency: 2, threads: 2 }\n`);
    const result = await runCli(["server", "local", "--port", "0"], { cwd });
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.stderr).toContain("worker thread 1: ");
    expect(result.stderr).toContain("thread-refuser cannot load in a worker thread");
  }, 60_000);
});

describe("worker.threads in configuration", () => {
  it("ferry config check refuses more threads than worker.concurrency, naming the key", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-it-threads-check-"));
    await writeFile(join(cwd, "ferry.yaml"), "worker: { concurrency: 2, threads: 3 }\n");
    const result = await runCli(["config", "check"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^ferry: invalid configuration in \S+ferry\.yaml at worker\.threads: 3 threads share a worker\.concurrency of 2, and each takes at least one task run at a time: lower worker\.threads or raise worker\.concurrency$/);
  });

  it("a standalone worker refuses it: it is local mode's, and such a worker is one thread", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-it-threads-worker-"));
    await writeFile(join(cwd, "ferry.yaml"), "queue: { type: redis, url: 'redis://127.0.0.1:1/0' }\nworker: { threads: 2 }\n");
    const result = await runCli(["server", "worker"], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("invalid configuration at worker.threads: it sets local mode's worker threads (ferry server local); a standalone worker is one thread: start more workers instead");
  });

  it("threads: 0 runs the task runs on the API's own thread", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-it-threads-zero-"));
    await writeFile(join(cwd, "ferry.yaml"), `plugins: ["@ferry/plugin-core", "${PROBE}"]\nworker: { threads: 0 }\n`);
    const ferry = await startFerryProcess({ cwd });
    try {
      await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: `id: where\nnamespace: ${NS}\ntasks:\n  - { id: probe, type: probe.Where }\n`, headers: { "content-type": "application/x-yaml" } });
      const ended = (await (await fetch(`${ferry.url}/api/v1/executions/${NS}/where?wait=true`, { method: "POST" })).json()) as Execution;
      expect(ended.taskRunList[0].outputs).toMatchObject({ isMainThread: true, threadId: 0 });
    } finally {
      await ferry.stop();
    }
    // a process start is given 45 s on a starved box (ferry-process.ts): the test more than that, not the default 30 s
  }, 90_000);
});
