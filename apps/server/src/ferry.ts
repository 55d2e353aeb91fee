import { serve, type ServerType } from "@hono/node-server";
import { closeBackends, configureBackend, configureRenderLimits, createBackends, historyBackendSection, loadPlugins, openHistory, PluginRegistry, retryWhileUnavailable, type Backends, type FerryConfig } from "@ferry/core";
import { BUILT_IN_BACKENDS, composeScheduler, configureInstance, type InProcessWorker, type LocalWorkerInput } from "@ferry/engine";
import { parseDuration, setNamespaceIsolation, UserError } from "@ferry/sdk";
import type { Hono } from "hono";
import type { Duplex } from "node:stream";
import { pino, type Logger } from "pino";
import { deployFlowsFromDir } from "./deploy-flows.js";
import { deployedFlows } from "./deployed-flows.js";
import type { ApiDeps } from "./http/api-deps.js";
import { createApp } from "./http/app.js";
import { assertSafeBinding } from "./http/auth.js";
import { ExecutionWaiter } from "./http/execution-waiter.js";
import { startHistoryExport } from "./history-export.js";
import { HistoryReader } from "./http/history-reader.js";
import { RetentionSweeper } from "./retention.js";
import { Triggers } from "./triggers/triggers.js";

/** how long an idle keep-alive connection is kept (see serve below) */
const KEEP_ALIVE_MS = 65_000;

export interface StartOptions {
  config: FerryConfig;
  /** relative paths in the configuration are resolved from here */
  baseDir: string;
  /**
   * Local mode: the worker to run in this process (engine's composeLocalWorker, what `ferry
   * server local` passes), so API, executor and worker are one process. Without it the server
   * is a scheduler: API and executor, its workers run elsewhere (`ferry server worker`).
   */
  inProcess?: (input: LocalWorkerInput) => InProcessWorker;
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
  configureRenderLimits(config.render ?? {});
  configureInstance(config.instance, config.variables?.globals);
  setNamespaceIsolation(config.namespaces.isolation);
  const role = options.inProcess ? "local" : "scheduler";
  if (role === "scheduler" && config.queue.type === "memory") {
    throw new UserError("invalid configuration at queue.type: 'ferry server scheduler' dispatches to workers in other processes, so it needs a shared queue (queue.type: redis)");
  }
  assertSafeBinding(config.server.host, config.server.auth);
  const logger = options.logger ?? pino({ level: config.logging.level, base: undefined });
  // the history section is checked with the others, before anything is opened
  await configureBackend("history", historyBackendSection(config), { baseDir, builtIns: BUILT_IN_BACKENDS });
  const backends = await retryWhileUnavailable(
    () => createBackends(config, { baseDir, builtIns: BUILT_IN_BACKENDS }, { repository: true }),
    (line) => logger.error(line),
  );
  const repository = backends.repository!;
  const closers: Array<() => Promise<void>> = [];
  try {
    // a bad history section is refused before anything runs; out of reach at start is only a
    // warning: the engine runs on the primary alone, history queries answer 503 until it is back
    const history = await openHistory(config, { baseDir, builtIns: BUILT_IN_BACKENDS }, repository, (line) => logger.warn(line));
    closers.push(async () => history.close?.());
    const registry = new PluginRegistry(await loadPlugins(config.plugins, baseDir));
    const onError = (error: unknown) => logger.error({ err: error }, "background work failed");
    const engine = await composeScheduler({ config, backends: { ...backends, repository }, registry, baseDir, makeLocalKey: role === "local", onError });
    const { store, flows, kv, purger, executions, executor, events, directory } = engine;
    const { resumed } = await engine.start();
    closers.push(() => engine.stop());
    if (resumed) logger.info({ resumed }, "resumed unfinished executions");
    if (options.inProcess) {
      const worker = options.inProcess({ config, baseDir, backends, registry, scheduler: engine });
      await worker.start();
      closers.unshift(() => worker.stop());
    }
    if (config.retention.enabled) {
      const sweeper = new RetentionSweeper({
        purger, logger, onError, keepMs: parseDuration(config.retention.executions), everyMs: parseDuration(config.retention.every),
      });
      sweeper.start();
      closers.unshift(() => sweeper.stop());
    }
    if (options.flowsDir) {
      const summary = await deployFlowsFromDir(options.flowsDir, repository, registry, deployedFlows(flows));
      logger.info({ dir: options.flowsDir, created: summary.created.length, updated: summary.updated.length, unchanged: summary.unchanged.length }, "flows deployed");
    }
    const triggers = new Triggers({ repository, flows, registry, executions, secrets: backends.secrets, queue: backends.queue, store, events, logger });
    // a scheduler's waiting requests learn of executions other schedulers ended over the queue
    const waiter = new ExecutionWaiter(repository, events, 1000, role === "scheduler" ? backends.queue : undefined);
    await waiter.start();
    closers.unshift(() => waiter.close());
    const exported = history.source === "exported" ? startHistoryExport({ config, repository, history, logger, onError }) : undefined;
    if (exported) closers.unshift(() => exported.stop());
    const exporter = exported?.exporter;
    const deps: ApiDeps = {
      config, repository, queue: backends.queue, secrets: backends.secrets, kv, purger, store, flows, registry, executions, executor, events, workers: directory, triggers, waiter, logger, role,
      history: new HistoryReader(repository, history), exporter,
    };
    const app = createApp(deps);
    let server: ServerType | undefined;
    const url = await new Promise<string>((resolve, reject) => {
      server = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, (info) => {
        resolve(`http://${config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host}:${info.port}`);
      });
      server.once("error", (error) => reject(listenError(error, config.server.host, config.server.port)));
      server.on("clientError", answerMalformed);
      // Node closes an idle keep-alive socket after 5 s: a client (a load balancer's pool, undici's
      // fetch) reusing it as it closes gets ECONNRESET — an ALB in front keeps sockets 60 s, and
      // the suite's own fetches met it on a loaded box. Longer than the common 60 s of proxies;
      // the header wait above it (Node's guides: an idle keep-alive socket must not meet it first).
      Object.assign(server as object, { keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: KEEP_ALIVE_MS + 1_000 });
    });
    triggers.start();
    closers.unshift(() => triggers.stop());
    logger.info({ url, role, plugins: registry.plugins.map((p) => p.name) }, "ferry is listening");
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
        for (const close of closers) await close();
        await closeBackends(backends);
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    await closeBackends(backends);
    throw error;
  }
}

/**
 * What Node's HTTP parser refuses before any route sees it (headers over 16 KiB, a request
 * line that does not parse) answers JSON like every other error, not Node's empty 400/431.
 */
function answerMalformed(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const body = JSON.stringify({ message: tooLarge ? "request headers too large: the URL and the headers together may hold at most 16 KiB" : `malformed HTTP request (${error.code ?? "parse error"})` });
  const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** the server's port taken or forbidden is the configuration's to fix: one line naming it, no stack (as any refused setting) */
function listenError(error: Error, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const at = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (code === "EADDRINUSE") return new UserError(`invalid configuration at server.port: ${at} is already in use by another process`, { cause: error });
  if (code === "EACCES") return new UserError(`invalid configuration at server.port: this process may not listen on ${at} (ports below 1024 need privileges)`, { cause: error });
  if (code === "EADDRNOTAVAIL") return new UserError(`invalid configuration at server.host: ${host} is no address of this machine`, { cause: error });
  return error;
}
