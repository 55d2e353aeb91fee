import { renderString, renderValue } from "@ferry/core";
import {
  errorMessage, isLeaseLost, isUnexpected, isUnrecoverable, newId, parseDuration, setLongTimeout,
  type Delivery, type LogLevel, type LongTimer, type Queue, type Subscription, type TaskLogger,
} from "@ferry/sdk";
import { EXECUTOR_CHANNEL, jobsChannel, KILL_TOPIC, WORKERS_TOPIC, type ExecutorEvent, type KillMessage, type WorkerAnnouncement, type WorkerJob } from "../messages.js";
import { renderProperties } from "../render-properties.js";
import { HandedBackError, KilledError, TimeoutError, untilAborted } from "./attempt-abort.js";
import { AttemptReport, type Outcome } from "./attempt-report.js";
import { withConnections } from "./connection-access.js";
import { buildRunContext, buildTaskRenderContext, type RunParts } from "./run-context.js";
import { SecretMasker } from "./secret-masker.js";
import { runSharedFolder, type SharedFolderRun } from "./shared-folder-run.js";
import { cacheLookup, cacheRemember } from "./task-cache-step.js";
import type { TaskCache } from "./task-cache.js";
import { BufferedTaskLogger } from "./task-logger.js";
import { lazyWorkingDirectory, sharedWorkingDirectory } from "./working-directory.js";

export type { Outcome } from "./attempt-report.js";

/** a worker's parts: what every task run gets (RunParts, the run context's), and what it takes jobs from */
export interface WorkerOptions extends RunParts {
  queue: Queue;
  /** where `taskCache` keeps and finds outputs */
  taskCache?: TaskCache;
  concurrency: number;
  groups: string[];
  workerId?: string;
}

/**
 * Runs runnable task runs: renders properties, runs the plugin with its run context,
 * writes outputs to storage and reports the result. It keeps nothing that is not also in
 * the queue, the repository or storage, so it can be killed at any time.
 */
export class Worker {
  readonly id: string;
  private readonly running = new Map<string, { executionId: string; controller: AbortController; job: WorkerJob }>();
  private readonly killed = new Map<string, number>();
  private subscriptions: Subscription[] = [];
  private announcer?: ReturnType<typeof setInterval>;

  constructor(private readonly options: WorkerOptions) {
    this.id = options.workerId ?? newId();
  }

  async start(): Promise<void> {
    const { queue, groups, concurrency } = this.options;
    this.subscriptions.push(await queue.subscribe<KillMessage>(KILL_TOPIC, (m) => this.kill(m)));
    for (const group of groups) {
      this.subscriptions.push(await queue.consume<WorkerJob>(jobsChannel(group), (job, delivery) => this.take(job, delivery), { concurrency }));
    }
  }

  /**
   * Stops taking jobs, lets running tasks finish for up to `graceMs`, then hands the rest
   * back: the executor gives each a new attempt on another worker.
   */
  async stop(graceMs = 0): Promise<void> {
    clearInterval(this.announcer);
    for (const s of this.subscriptions) await s.close();
    this.subscriptions = [];
    const deadline = Date.now() + graceMs;
    while (this.running.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const r of this.running.values()) {
      r.controller.abort(new HandedBackError());
    }
    while (this.running.size) await new Promise((r) => setTimeout(r, 5));
    await this.announce(true).catch(() => undefined);
  }

  /** publishes this worker and what it runs, every `everyMs` (GET /api/v1/workers) */
  startAnnouncing(everyMs = 2000, runtime = "node"): void {
    this.runtime = runtime;
    void this.announce().catch(() => undefined);
    this.announcer = setInterval(() => void this.announce().catch(() => undefined), everyMs);
  }

  private runtime = "node";

  private announce(stopping = false): Promise<void> {
    const message: WorkerAnnouncement = {
      id: this.id, groups: this.options.groups, concurrency: this.options.concurrency, runtime: this.runtime,
      running: this.runningTaskRuns(), date: new Date().toISOString(), ...(stopping ? { stopping } : {}),
    };
    return this.options.queue.broadcast(WORKERS_TOPIC, message);
  }

  /** what runs here now, for the workers API */
  runningTaskRuns(): Array<{ executionId: string; taskRunId: string; taskId: string }> {
    return [...this.running.entries()].map(([taskRunId, r]) => ({ executionId: r.executionId, taskRunId, taskId: r.job.task.id }));
  }

  private kill(message: KillMessage) {
    for (const { taskRunId, attempt } of message.taskRuns) {
      this.killed.set(`${taskRunId}:${attempt}`, Date.now());
      const running = this.running.get(taskRunId);
      if (running && running.job.attempt === attempt) running.controller.abort(new KilledError());
    }
    while (this.killed.size > 10_000) this.killed.delete(this.killed.keys().next().value!);
  }

  /**
   * A job delivered again was held by a worker that died: the executor decides what
   * happens (a new attempt, unless the execution was killed), so it is not run as is.
   */
  private async take(job: WorkerJob, delivery: Delivery): Promise<void> {
    if (delivery.deliveries > 1) {
      await this.options.queue.send<ExecutorEvent>(
        EXECUTOR_CHANNEL,
        { type: "lost", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, workerId: this.id },
        { key: job.executionId },
      );
      return;
    }
    await this.run(job, delivery.lease, undefined, delivery.release);
  }

  /** a WorkingDirectory child's runIf, rendered as the executor renders it for other tasks */
  private async runIfHolds(job: WorkerJob, signal: AbortSignal): Promise<boolean> {
    const { renderContext } = await buildTaskRenderContext(this.options, job, new SecretMasker(), signal);
    const rendered = await renderValue(job.task.runIf, renderContext);
    return rendered === true || String(rendered).trim().toLowerCase() === "true";
  }

  /**
   * Runs one attempt and reports it; answers what it reported (a WorkingDirectory goes on with
   * its next child). `shared`: the attempt is a WorkingDirectory's child, in its folder.
   */
  private async run(job: WorkerJob, lease?: AbortSignal, shared?: SharedFolderRun, release?: () => void): Promise<Outcome | undefined> {
    const { queue, registry, store } = this.options;
    const { task, context } = job;
    const masker = new SecretMasker();
    const logger = new BufferedTaskLogger(
      queue,
      { executionId: job.executionId, namespace: context.flow.namespace, flowId: context.flow.id, taskId: task.id, taskRunId: job.taskRunId, attemptNumber: job.attempt },
      undefined,
      (message) => masker.mask(message),
      { minLevel: task.logLevel as LogLevel | undefined, toFile: task.logToFile === true },
    );
    const attempt = new AttemptReport({ queue, store, workerId: this.id, release }, job, logger);
    if (this.killed.has(`${job.taskRunId}:${job.attempt}`)) return attempt.report("KILLED");

    const def = registry.task(task.type);
    const sharedFolder = def?.kind === "flowable" && job.sharedFolder ? def.sharedFolder : undefined;
    if (!def || (def.kind !== "runnable" && !sharedFolder)) {
      logger.error(def ? `task type '${task.type}' is not runnable on a worker` : `${registry.unknownTypeMessage(task.type)} (on worker ${this.id})`);
      return attempt.report("FAILED");
    }
    const controller = new AbortController();
    // a WorkingDirectory's kill, timeout or loss stops the child it runs
    const onParentAbort = () => controller.abort(shared!.signal.reason);
    shared?.signal.addEventListener("abort", onParentAbort, { once: true });
    if (shared?.signal.aborted) onParentAbort();
    // the queue could no longer prove this worker holds the job: stop before another worker takes it
    const onLeaseLost = () => controller.abort(lease!.reason);
    lease?.addEventListener("abort", onLeaseLost, { once: true });
    if (lease?.aborted) onLeaseLost();
    this.running.set(job.taskRunId, { executionId: job.executionId, controller, job });
    let timer: LongTimer | undefined;
    try {
      // a WorkingDirectory's children share its folder, which it removes once they all ran
      const workDir = shared ? sharedWorkingDirectory(shared.dir) : lazyWorkingDirectory();
      // a kill or the task's timeout stops a render in progress too
      const { runContext, renderContext: ctx, connections } = await buildRunContext(this.options, {
        job, masker, logger, signal: controller.signal, workingDirectory: workDir.get, onMetric: (entry) => attempt.metrics.push(entry), sharedDir: shared?.dir,
      });
      if (task.timeout) {
        const ms = parseDuration(await renderString(String(task.timeout), ctx));
        timer = setLongTimeout(() => controller.abort(new TimeoutError(ms)), ms);
      }
      const rendered = await renderProperties(def, task, ctx, job.doubles);
      const cache = task.taskCache?.enabled ? await cacheLookup(this.options.taskCache, job, rendered, ctx.variables.inputs ?? {}, logger) : undefined;
      if (cache?.hit !== undefined) return await attempt.report("SUCCESS", { outputsUri: cache.hit ?? undefined, cached: true });
      // after the cache: a hit needs no connection opened; the key holds the connection's id, never its secrets
      const props = await withConnections(def, rendered, connections, task.id);
      let childrenState: Outcome["state"] = "SUCCESS";
      // stopped while it was prepared (killed, timed out, its lease lost): the task is not started
      controller.signal.throwIfAborted();
      const running =
        def.kind === "runnable"
          ? def.run(runContext, props)
          : runSharedFolder(
              {
                send: (event: ExecutorEvent) => attempt.send(event), workerId: this.id,
                runChild: (childJob, childShared) => this.run(childJob, lease, childShared),
                runIfHolds: (childJob) => this.runIfHolds(childJob, controller.signal),
              },
              job,
              sharedFolder!,
              runContext,
              props,
            ).then((result) => {
              childrenState = result.state;
              return result.outputs;
            });
      // the working folder goes once the task itself is done, even when the worker stopped waiting (kill, timeout)
      void running.catch(() => undefined).finally(() => workDir.remove());
      const outputsUri = await attempt.saveOutputs(await untilAborted(running, controller.signal), masker);
      if (cache) await cacheRemember(this.options.taskCache!, cache, outputsUri, task.taskCache?.ttl, logger);
      await attempt.report(childrenState, { outputsUri });
    } catch (error) {
      // the report itself failed while its sends were out (the logs' or metrics' send, the result's going
      // beside them): the result may have landed, so no second, different one; if it did not, the
      // reconciler finds the run stale and asks for it again (RELIABILITY.md, stale-resend)
      if (attempt.outcome) throw error;
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      if (isLeaseLost(reason)) {
        logger.warn(`worker ${this.id} lost its lease on the task run (${errorMessage(reason)}); its processes were killed and it goes to another worker`);
        // Redis may be out of reach: never wait for it here; the queue hands the job on either way
        await attempt.lost(false);
      } else if (reason instanceof HandedBackError) {
        logger.warn(`worker ${this.id} is stopping; the task run goes to another worker`);
        await attempt.lost(true);
      } else if (reason instanceof KilledError) {
        logger.warn("task killed");
        await attempt.report("KILLED");
      } else if (isUnrecoverable(reason)) {
        logger.error(`${errorMessage(reason)} (unrecoverable: not retried)`);
        traceStack(logger, reason, task.type);
        await attempt.report("FAILED", { unrecoverable: true });
      } else {
        logger.error(errorMessage(reason));
        traceStack(logger, reason, task.type);
        await attempt.report("FAILED");
      }
    } finally {
      timer?.cancel();
      lease?.removeEventListener("abort", onLeaseLost);
      shared?.signal.removeEventListener("abort", onParentAbort);
      this.running.delete(job.taskRunId);
    }
    return attempt.outcome;
  }
}

/**
 * A failed attempt's stack at TRACE after its ERROR line, as Kestra's RunContextLogger logs
 * `logger.error(message, throwable)`: the message, then the stack trace at TRACE (what makes
 * TimeoutTest count two lines holding "Timeout"). A plugin's bug (an error of no Ferry class)
 * says so, for its author.
 */
function traceStack(logger: TaskLogger, reason: unknown, type: string): void {
  if (!(reason instanceof Error) || !reason.stack) return;
  logger.trace(isUnexpected(reason) ? `unexpected error (a bug in ${type}?): ${reason.stack}` : reason.stack);
}
