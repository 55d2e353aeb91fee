import { errorMessage, type TaskLogger } from "@ferry/sdk";
import type { WorkerJob } from "../messages.js";
import type { CachedRun, TaskCache } from "./task-cache.js";

/** an attempt's place in the task cache: its key, and the hit when it may be skipped */
export interface CacheStep {
  key: string;
  run: CachedRun;
  /** a URI, or null for a hit without outputs; undefined: a miss, the task runs */
  hit?: string | null;
}

/**
 * The task cache's answer for this run (`taskCache` on the task), from its rendered
 * properties and the execution's inputs. A cache out of reach never fails the task: it runs.
 */
export async function cacheLookup(cache: TaskCache | undefined, job: WorkerJob, properties: unknown, inputs: unknown, logger: TaskLogger): Promise<CacheStep | undefined> {
  if (!cache) return undefined;
  const { task, context } = job;
  const run: CachedRun = {
    namespace: context.flow.namespace, flowId: context.flow.id, taskId: task.id, taskRunId: job.taskRunId, attempt: job.attempt,
    recordsPrefix: job.recordsPrefix, filesPrefix: job.filesPrefix ?? job.recordsPrefix,
  };
  try {
    const key = await cache.key({ namespace: run.namespace, flowId: run.flowId, taskId: task.id, type: task.type, properties, inputs });
    const hit = await cache.lookup(key, run);
    if (hit !== undefined) logger.info(`outputs taken from the task cache (key ${key.slice(0, 12)}…); the task did not run`);
    return { key, run, hit };
  } catch (error) {
    logger.warn(`task cache unavailable, running the task: ${errorMessage(error)}`);
    return undefined;
  }
}

/** keeps the attempt's outputs for the next run with the same key; a cache out of reach only warns */
export async function cacheRemember(cache: TaskCache, step: CacheStep, outputsUri: string | undefined, ttl: string | undefined, logger: TaskLogger): Promise<void> {
  try {
    await cache.remember(step.key, step.run, outputsUri, ttl);
  } catch (error) {
    logger.warn(`could not store the outputs in the task cache: ${errorMessage(error)}`);
  }
}
