import { serve, type ServerType } from "@hono/node-server";
import { loadPlugins, PluginRegistry, type FerryConfig } from "@ferry/core";
import { EngineEvents, ExecutionService, Executor, FlowStore, JsonStore, startLogWriter, Worker } from "@ferry/engine";
import type { Subscription } from "@ferry/sdk";
import type { Hono } from "hono";
import { pino, type Logger } from "pino";
import { closeBackends, createBackends, type Backends } from "./backends.js";
import { deployFlowsFromDir } from "./deploy-flows.js";
import type { ApiDeps } from "./http/api-deps.js";
import { createApp } from "./http/app.js";

export interface StartOptions {
  config: FerryConfig;
  /** relative paths in the configuration are resolved from here */
  baseDir: string;
  /** local mode: API, executor and an in-process worker in one process */
  roles?: { api?: boolean; executor?: boolean; worker?: boolean };
  /** deploy every flow file of this folder at start */
  flowsDir?: string;
  logger?: Logger;
}

export interface FerryServer {
  url: string;
  app: Hono;
  deps: ApiDeps;
  backends: Backends;
  close(): Promise<void>;
}

/** The composition root: builds backends, plugins and engine from configuration, then listens. */
export async function startFerry(options: StartOptions): Promise<FerryServer> {
  const { config, baseDir } = options;
  const roles = { api: true, executor: true, worker: true, ...options.roles };
  const logger = options.logger ?? pino({ level: config.logging.level, base: undefined });
  const backends = await createBackends(config, baseDir);
  try {
    const registry = new PluginRegistry(await loadPlugins(config.plugins, baseDir));
    const store = new JsonStore(backends.storage);
    const events = new EngineEvents();
    const flows = new FlowStore(backends.repository, registry);
    const executions = new ExecutionService(backends.repository, store, backends.queue);
    const onError = (error: unknown) => logger.error({ err: error }, "background work failed");
    const executor = new Executor({ repository: backends.repository, queue: backends.queue, registry, store, flows, executions, events, onError });
    const workers: Worker[] = [];
    const subscriptions: Subscription[] = [];
    if (roles.executor) {
      subscriptions.push(await startLogWriter(backends.queue, backends.repository, onError));
      await executor.start();
    }
    if (roles.worker) {
      const worker = new Worker({ queue: backends.queue, registry, store, concurrency: config.worker.concurrency, groups: config.worker.groups });
      await worker.start();
      workers.push(worker);
    }
    if (roles.executor) {
      const resumed = await executor.reconcile();
      if (resumed) logger.info({ resumed }, "resumed unfinished executions");
    }
    if (options.flowsDir) {
      const summary = await deployFlowsFromDir(options.flowsDir, backends.repository, registry);
      logger.info({ dir: options.flowsDir, created: summary.created.length, updated: summary.updated.length, unchanged: summary.unchanged.length }, "flows deployed");
    }
    const deps: ApiDeps = { config, repository: backends.repository, store, flows, registry, executions, executor, events, workers, logger };
    const app = createApp(deps);
    let server: ServerType | undefined;
    const url = await new Promise<string>((resolve, reject) => {
      server = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, (info) => {
        resolve(`http://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${info.port}`);
      });
      server.once("error", reject);
    });
    logger.info({ url, plugins: registry.plugins.map((p) => p.name) }, "ferry is listening");
    return {
      url,
      app,
      deps,
      backends,
      close: async () => {
        await new Promise<void>((resolve) => {
          if (!server) return resolve();
          server.close(() => resolve());
          // followers (server-sent events) and keep-alive sockets would hold close() open
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        for (const w of workers) await w.stop();
        await executor.stop();
        for (const s of subscriptions) await s.close();
        await closeBackends(backends);
      },
    };
  } catch (error) {
    await closeBackends(backends);
    throw error;
  }
}
