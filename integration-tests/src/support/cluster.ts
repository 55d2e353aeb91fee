import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ferry-process.js";
import { DENO, FERRY, startProcess, type Proc, waitForHealth, WORKER_MAIN } from "./processes.js";

export type Execution = {
  id: string;
  state: { current: string };
  taskRunList: Array<{ id: string; taskId: string; value?: string; state: { current: string }; attempts: Array<{ state: { current: string }; workerId?: string }> }>;
};

export interface ClusterWorker {
  proc: Proc;
  id: string;
}

export const TERMINAL = ["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED"];

/**
 * A distributed deployment of real processes on one repository and one Redis prefix:
 * `schedulers` server processes (API, executor, scheduler) and `workers` Node workers,
 * sharing a storage folder. Workers can be killed and replaced; the API is the first
 * scheduler's.
 */
export async function startCluster(options: {
  repository: { type: string; url: string };
  redisUrl: string;
  schedulers?: number;
  workers?: number;
  /** the executor section (reconcileEvery, staleAfter) */
  executor?: string;
  /** extra ferry.yaml lines */
  config?: string;
}) {
  const dir = await mkdtemp(join(tmpdir(), "ferry-cluster-"));
  const prefix = `ferry-it-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const ports = await Promise.all(Array.from({ length: options.schedulers ?? 1 }, () => freePort()));
  const config = (port: number) =>
    `server: { port: ${port} }\nqueue: { type: redis, url: "${options.redisUrl}", prefix: ${prefix}, claimTimeout: PT2S }\nstorage: { type: local, path: ${join(dir, "storage")} }\n` +
    `worker: { concurrency: 8 }\nexecutor: ${options.executor ?? "{ reconcileEvery: PT0.5S, staleAfter: PT5S }"}\nlogging: { level: warn }\n${options.config ?? ""}`;
  const env = { FERRY_REPOSITORY__TYPE: options.repository.type, FERRY_REPOSITORY__URL: options.repository.url };
  const schedulers: Proc[] = [];
  for (const [i, port] of ports.entries()) {
    const cwd = join(dir, `scheduler-${i}`);
    await import("node:fs/promises").then((fs) => fs.mkdir(cwd, { recursive: true }));
    await writeFile(join(cwd, "ferry.yaml"), config(port));
    schedulers.push(startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd, env }));
  }
  const workerDir = join(dir, "workers");
  await import("node:fs/promises").then((fs) => fs.mkdir(workerDir, { recursive: true }));
  await writeFile(join(workerDir, "ferry.yaml"), config(ports[0]));
  /** a worker more; `extraEnv` overrides configuration (FERRY_QUEUE__URL through a proxy, say); `runtime: "deno"` runs the worker under Deno */
  const startWorker = async (extraEnv: Record<string, string> = {}, runtime: "node" | "deno" = "node"): Promise<ClusterWorker> => {
    const [command, args] = runtime === "deno" ? [DENO, ["run", "-A", WORKER_MAIN]] : [process.execPath, [FERRY, "server", "worker"]];
    const proc = startProcess(command, args, { cwd: workerDir, env: { ...env, ...extraEnv } });
    // a minute, not the default 20 s: on a starved CI box (load 36) a worker once printed nothing in 20 s
    const [, id] = await proc.waitFor(/"msg":"ferry worker started","id":"([^"]+)"/, 60_000);
    return { proc, id };
  };
  const workers: ClusterWorker[] = [];
  for (let i = 0; i < (options.workers ?? 2); i++) workers.push(await startWorker());
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  for (const url of urls) await waitForHealth(url);
  const url = urls[0];
  const api = async <T>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(`${url}/api/v1${path}`, init)).json()) as T;
  const deploy = (source: string) => fetch(`${url}/api/v1/flows`, { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } });
  const waitEnd = async (id: string, ms = 90_000): Promise<Execution> => {
    const end = Date.now() + ms;
    for (;;) {
      const e = await api<Execution>(`/executions/${id}`);
      if (TERMINAL.includes(e.state.current) || Date.now() > end) return e;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    dir, url, urls, prefix, api, deploy, waitEnd, schedulers, workers, startWorker,
    async stop() {
      for (const w of workers) await w.proc.stop();
      for (const s of schedulers) await s.stop();
    },
  };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;
