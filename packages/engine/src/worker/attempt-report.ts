import { parseJson, stringifyJson, toStorageUri, type MetricEntry, type Queue } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { EXECUTOR_CHANNEL, METRICS_CHANNEL, type ExecutorEvent, type WorkerJob } from "../messages.js";
import { taskFilesPrefix, taskOutputsKey } from "../storage-keys.js";
import { SameDelayTimers } from "./same-delay-timers.js";
import type { SecretMasker } from "./secret-masker.js";
import type { BufferedTaskLogger } from "./task-logger.js";

/** what an attempt reported */
export interface Outcome {
  state: "SUCCESS" | "WARNING" | "FAILED" | "KILLED";
  outputsUri?: string;
  /** an UnrecoverableError: never retried */
  unrecoverable?: boolean;
}

const STARTED_AFTER_MS = 50;
/** every attempt of the process that may still report "started", on one timer */
const pendingStarts = new SameDelayTimers(STARTED_AFTER_MS);

/**
 * What one attempt tells the executor: that it started (only when still running after
 * STARTED_AFTER_MS: quick tasks report once, with their start date), its outputs, and how it
 * ended, its logs and metrics landed first. Or that it was lost, for a new attempt elsewhere.
 */
export class AttemptReport {
  readonly startDate = new Date().toISOString();
  readonly metrics: MetricEntry[] = [];
  outcome: Outcome | undefined;

  constructor(
    private readonly deps: {
      queue: Queue; store: JsonStore; workerId: string;
      /** the job's slot is free once the report is sent, before the queue answers (Delivery.release) */
      release?: () => void;
    },
    private readonly job: WorkerJob,
    private readonly logger: BufferedTaskLogger,
  ) {
    pendingStarts.add(this, () => {
      void this.send({ type: "started", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, workerId: deps.workerId, date: this.startDate });
    });
  }

  send(event: ExecutorEvent): Promise<void> {
    return this.deps.queue.send(EXECUTOR_CHANNEL, event, { key: this.job.executionId });
  }

  /**
   * The task's outputs in storage, under the attempt's key: a secret the task resolved never
   * reaches storage, the API or a later task through them. As JSON first, as they are
   * stored: a Map, a class with toJSON or a null-prototype object is masked like a plain one
   * (and a whole Double stays one, java-double.ts).
   */
  async saveOutputs(value: unknown, masker: SecretMasker): Promise<string | undefined> {
    const outputs = masker.maskValue(value === undefined ? value : parseJson(stringifyJson(value)));
    if (!outputs || !Object.keys(outputs).length) return undefined;
    const { job } = this;
    return this.deps.store.write(taskOutputsKey(job.recordsPrefix, job.task.id, job.taskRunId, job.attempt), outputs);
  }

  async report(state: Outcome["state"], result: { outputsUri?: string; cached?: boolean; unrecoverable?: boolean } = {}): Promise<Outcome> {
    const { outputsUri, cached, unrecoverable } = result;
    const { job } = this;
    this.outcome = { state, ...(outputsUri ? { outputsUri } : {}), ...(unrecoverable ? { unrecoverable } : {}) };
    pendingStarts.clear(this);
    const logFile = await this.storeLogFile();
    // The logs, the metrics and the result are sent in that order without waiting between
    // them: a queue delivers one sender's sends in the order they were made (Redis runs one
    // connection's commands in order), so the logs and metrics still land no later than the
    // state, and the three go out in one write where the result used to wait a round trip for
    // the logs' answer (one per Log task: BENCHMARKS.md "Round 8"). Any failure still fails the report.
    const sent = [this.logger.flush()];
    if (this.metrics.length) sent.push(this.deps.queue.send(METRICS_CHANNEL, this.metrics.splice(0)));
    sent.push(
      this.send({
        type: "result", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, state, outputsUri, startDate: this.startDate, workerId: this.deps.workerId, date: new Date().toISOString(),
        ...(cached ? { cached } : {}),
        ...(unrecoverable ? { unrecoverable } : {}),
        ...(logFile ? { logFile } : {}),
      }),
    );
    // what is left is the queue's answer: the job's slot takes the next job meanwhile (a round
    // trip per job on every slot, BENCHMARKS.md "Distributed mode", Round 13); the job stays held
    // until the answer, and a failed send still fails the report
    this.deps.release?.();
    await Promise.all(sent);
    return this.outcome;
  }

  /** the attempt goes to another worker; `wait: false` when the queue may be out of reach (it hands the job on either way) */
  async lost(wait: boolean): Promise<void> {
    pendingStarts.clear(this);
    const { job } = this;
    const sent = this.logger.flush().then(() => this.send({ type: "lost", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, workerId: this.deps.workerId }));
    if (wait) await sent;
    else void sent.catch(() => undefined);
  }

  /**
   * logToFile: the attempt's log lines as a file of the task run in internal storage, as
   * Kestra's RunContextLogger keeps them; its URI goes on the attempt. A file that cannot be
   * stored leaves the attempt without one, never the result unsent.
   */
  private async storeLogFile(): Promise<string | undefined> {
    const text = this.logger.fileText();
    if (text === undefined) return undefined;
    const { job } = this;
    const key = `${taskFilesPrefix(job.filesPrefix ?? job.recordsPrefix, job.task.id, job.taskRunId, job.attempt)}/log-attempt-${job.attempt + 1}.txt`;
    return this.deps.store.storage.put(key, text).then(
      () => toStorageUri(key),
      () => undefined,
    );
  }
}
