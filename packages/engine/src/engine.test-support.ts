import { configSchema, parseFlow, PluginRegistry } from "@ferry/core";
import corePlugin from "@ferry/plugin-core";
import { createMemoryQueue } from "@ferry/queue-memory";
import { EnvSecretBackend } from "@ferry/secrets-env";
import { createSqliteRepository, type SqliteRepository } from "@ferry/repository-sqlite";
import { defineTask, definePlugin, isTerminal, z, type ExecutionRecord, type LogEntry, type Plugin, type ProcessUser, type Queue, type TaskRunRecord } from "@ferry/sdk";
import { createLocalStorage, type LocalStorage } from "@ferry/storage-local";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeScheduler, composeWorker } from "./composition.js";

/**
 * A runnable task that holds a worker for `ms` (core.Sleep no longer does: the executor holds
 * its wait): for tests of what happens to work in flight on a worker. Kill and timeout end it.
 */
export const workerWaitTask = defineTask({
  kind: "runnable",
  type: "test.WorkerWait",
  title: "Wait on a worker",
  description: "Holds a worker slot for `ms` milliseconds; for engine tests.",
  properties: z.strictObject({ ms: z.number().int().min(0) }),
  async run(ctx, props) {
    await new Promise<void>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      const timer = setTimeout(resolve, props.ms);
      ctx.signal.addEventListener("abort", () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
    });
  },
});
const engineTestPlugin = definePlugin({ name: "engine-test", version: "0", tasks: [workerWaitTask] });

export interface RunResult {
  execution: ExecutionRecord;
  taskRuns: TaskRunRecord[];
  logs: LogEntry[];
  /** task runs of one task id */
  runs(taskId: string): TaskRunRecord[];
  state(taskId: string): string | undefined;
  outputs(taskId: string): Promise<unknown>;
  flowOutputs(): Promise<unknown>;
  messages(): string[];
  /**
   * the sub-executions of its Loops' iterations (kind LOOP), in iteration order, each once ended
   * (a Loop ended by a failure lets the others run on, as Kestra's does); `loopTaskId`: one Loop's only
   */
  iterations(loopTaskId?: string): Promise<RunResult[]>;
  /** its log lines and those of its Loops' iterations, at every depth */
  allMessages(): Promise<string[]>;
}

/**
 * The engine on real embedded parts (SQLite file, local storage folder, memory queue) with
 * an executor and a worker, as local mode runs them. For engine tests.
 */
export async function createEngineHarness(
  extraPlugins: Plugin[] = [],
  options: {
    workerLacksExtras?: boolean; secrets?: Record<string, string>; processUser?: ProcessUser; /** reopen what a closed harness kept (a restart) */ dir?: string;
    /** the queue as the worker sees it (a test changes what its deliveries carry) */ workerQueue?: (queue: Queue) => Queue;
  } = {},
) {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "ferry-engine-")));
  const repository: SqliteRepository = createSqliteRepository({ type: "sqlite", path: join(dir, "ferry.db") });
  const storage: LocalStorage = createLocalStorage({ type: "local", path: join(dir, "storage") });
  const queue = createMemoryQueue();
  await repository.init();
  await storage.init();
  const registry = new PluginRegistry([corePlugin, engineTestPlugin, ...extraPlugins]);
  // env secrets as Kestra reads them: SECRET_<NAME>, base64
  const plain = { API_TOKEN: "s3cr3t-token", ...options.secrets };
  const secrets = new EnvSecretBackend(Object.fromEntries(Object.entries(plain).map(([name, value]) => [`SECRET_${name}`, Buffer.from(value).toString("base64")])));
  const backends = { repository, storage, queue, secrets };
  const config = configSchema.parse({ worker: options.processUser ? { processUser: `${options.processUser.uid}:${options.processUser.gid}` } : {} });
  // composed as local mode is: one scheduler and one worker on the same backends and parts
  const engine = await composeScheduler({ config, backends, registry, baseDir: dir, makeLocalKey: true, onError: (error) => console.error(error) });
  const { store, flows, executions, executor, kv } = engine;
  // a worker deployed with fewer plugins than the server knows of
  const workerRegistry = options.workerLacksExtras ? new PluginRegistry([corePlugin, engineTestPlugin]) : registry;
  const workerBackends = options.workerQueue ? { ...backends, queue: options.workerQueue(queue) } : backends;
  const worker = composeWorker({ config, backends: workerBackends, registry: workerRegistry, storage: engine, encryption: engine.encryption });
  await engine.start();
  await worker.start();

  const deploy = async (source: string) => {
    const flow = parseFlow(source, registry);
    await repository.saveFlow({ namespace: flow.namespace, id: flow.id, source });
    flows.forget(flow.namespace, flow.id);
    return flows.get(flow.namespace, flow.id);
  };

  const waitFor = async (id: string, check: (e: ExecutionRecord) => boolean, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = await repository.getExecution(id);
      if (found && check(found.execution)) return found;
      if (Date.now() > end) throw new Error(`execution ${id} is ${found?.execution.state.current} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const result = async (id: string): Promise<RunResult> => {
    // logs travel on their own channel: give the writer a moment to land the last batch
    await new Promise((r) => setTimeout(r, 150));
    const found = (await repository.getExecution(id))!;
    const entries = await repository.findLogs(id);
    const runs = (taskId: string) => found.taskRuns.filter((t) => t.taskId === taskId);
    return {
      ...found,
      logs: entries,
      runs,
      state: (taskId) => runs(taskId)[0]?.state.current,
      outputs: async (taskId) => {
        const run = runs(taskId)[0];
        return run?.outputsUri ? store.read(run.outputsUri) : undefined;
      },
      flowOutputs: async () => (found.execution.outputsUri ? store.read(found.execution.outputsUri) : undefined),
      messages: () => entries.map((l) => l.message),
      iterations: async (loopTaskId) => {
        const { results } = await repository.searchExecutions({ namespace: found.execution.namespace, flowId: found.execution.flowId, kind: "LOOP", page: 1, size: 1000 });
        const mine = results
          .filter((e) => e.parent?.executionId === id && (loopTaskId === undefined || e.loopRun?.taskId === loopTaskId))
          .sort((a, b) => a.loopRun!.index - b.loopRun!.index);
        for (const e of mine) await waitFor(e.id, (x) => isTerminal(x.state.current));
        return Promise.all(mine.map((e) => result(e.id)));
      },
      allMessages: async () => {
        const below = await Promise.all((await (await result(id)).iterations()).map((r) => r.allMessages()));
        return [...entries.map((l) => l.message), ...below.flat()];
      },
    };
  };

  return {
    dir, repository, storage, queue, registry, store, kv, flows, executor, worker, executions, deploy, waitFor, result,
    /** what the scheduler tells its listeners (executions' changes, task runs' ends) */
    events: engine.events,
    /** deploys the flow, runs it with the inputs, waits for the end */
    async run(source: string, inputs: Record<string, unknown> = {}, waitMs?: number): Promise<RunResult> {
      const flow = await deploy(source);
      const execution = await executions.create({ flow, inputs });
      await waitFor(execution.id, (e) => isTerminal(e.state.current), waitMs);
      return result(execution.id);
    },
    /** stops everything; `keep` leaves the data for a harness opened on `dir` after it (a restart) */
    async close(keep = false) {
      await worker.stop();
      await engine.stop();
      await queue.close();
      await repository.close();
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}

export type EngineHarness = Awaited<ReturnType<typeof createEngineHarness>>;
export { definePlugin };
