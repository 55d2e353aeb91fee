import { createMemoryQueue } from "@ferry/queue-memory";
import { createSqliteRepository, type SqliteRepository } from "@ferry/repository-sqlite";
import { newId, type ExecutionRecord, type Queue, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { EXECUTOR_CHANNEL, WORKERS_TOPIC, type ExecutorEvent, type WorkerAnnouncement } from "../messages.js";
import { WorkerDirectory } from "../worker-directory.js";
import { Reconciler } from "./reconciler.js";

const STALE_AFTER = 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const stateAt = <S extends string>(current: S, at: number) => ({ current, histories: [{ state: current, date: iso(at) }], startDate: iso(at) });

let dir: string;
let repository: SqliteRepository;
let queue: Queue;
let workers: WorkerDirectory;
let reconciler: Reconciler;
let asked: ExecutorEvent[];
let reads: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-reconciler-"));
  repository = createSqliteRepository({ type: "sqlite", path: join(dir, "ferry.db") });
  await repository.init();
  queue = createMemoryQueue();
  asked = [];
  await queue.consume<ExecutorEvent>(EXECUTOR_CHANNEL, async (event) => void asked.push(event));
  workers = new WorkerDirectory(queue);
  await workers.start();
  // the real repository, its reads counted: what the reconciler costs per pass
  reads = 0;
  const getExecution = repository.getExecution.bind(repository);
  repository.getExecution = (id) => (reads++, getExecution(id));
  reconciler = new Reconciler({ repository, queue, workers, everyMs: 3_600_000, staleAfterMs: STALE_AFTER });
});

afterEach(async () => {
  reconciler.stop();
  await workers.stop();
  await queue.close?.();
  await repository.close?.();
  await rm(dir, { recursive: true, force: true });
});

/** an execution RUNNING since `at`, with one task run in `runState` since `at` */
async function seed(at: number, runState: TaskRunState, attempt: Partial<TaskRunRecord["attempts"][number]> = {}): Promise<{ execution: ExecutionRecord; run: TaskRunRecord }> {
  const id = newId();
  const execution: ExecutionRecord = {
    id, namespace: "rec.test", flowId: "f", flowRevision: 1, state: stateAt("RUNNING", at), labels: {}, created: iso(at), updated: iso(at), storagePrefix: `rec/test/f/executions/${id}`,
  };
  const attemptState: TaskRunState = runState === "RETRYING" ? "FAILED" : runState === "QUEUED" ? "CREATED" : runState;
  const attempts = [{ state: stateAt(attemptState, at), ...attempt }];
  const run: TaskRunRecord = { id: newId(), executionId: id, taskId: "t", state: stateAt(runState, at), attempts };
  await repository.saveExecution(execution, [run]);
  return { execution, run };
}

async function announce(running: TaskRunRecord[]): Promise<void> {
  const announcement: WorkerAnnouncement = {
    id: "w1", groups: ["default"], concurrency: 4, runtime: "node", date: iso(Date.now()),
    running: running.map((r) => ({ executionId: r.executionId, taskRunId: r.id, taskId: r.taskId })),
  };
  await queue.broadcast(WORKERS_TOPIC, announcement);
  await expect.poll(() => workers.list()[0]?.running.length).toBe(running.length);
}

async function pass(lostAt?: number): Promise<ExecutorEvent[]> {
  asked = [];
  reads = 0;
  await reconciler.pass(lostAt);
  await new Promise((r) => setTimeout(r, 20)); // the memory queue delivers asynchronously
  return asked;
}

describe("reconciler", () => {
  test("a queued run is asked for once stale; until then an unchanged execution is not read again", async () => {
    const { run } = await seed(Date.now() - 100, "QUEUED");
    expect(await pass()).toEqual([]);
    expect(reads).toBe(1);
    expect(await pass()).toEqual([]);
    expect(reads).toBe(0);
    await new Promise((r) => setTimeout(r, STALE_AFTER));
    expect(await pass()).toEqual([expect.objectContaining({ type: "stale", runs: [{ taskRunId: run.id, attempt: 0 }] })]);
    expect(reads).toBe(1);
  });

  test("a run a live worker holds is not read while held, and is asked for once the worker lets go of it", async () => {
    const { execution, run } = await seed(Date.now() - 10 * STALE_AFTER, "RUNNING");
    await announce([run]);
    // unchanged for long: walked once (a lost pause wake-up beside the held run is armed again)
    expect(await pass()).toEqual([{ type: "reconcile-walk", executionId: execution.id }]);
    expect(reads).toBe(1);
    expect(await pass()).toEqual([]);
    expect(reads).toBe(0);
    await announce([]);
    expect(await pass()).toEqual([expect.objectContaining({ type: "stale", runs: [{ taskRunId: run.id, attempt: 0 }] })]);
  });

  test("a RETRYING run counts as lost only once its next attempt was due (a long retry interval is a wait, not a loss)", async () => {
    const longAgo = Date.now() - 10 * STALE_AFTER;
    await seed(longAgo, "RETRYING", { retryAt: iso(Date.now() + 3_600_000) });
    const due = await seed(longAgo, "RETRYING", { retryAt: iso(longAgo + 1) });
    const stale = (await pass()).filter((e) => e.type === "stale");
    expect(stale).toEqual([{ type: "stale", executionId: due.execution.id, runs: [{ taskRunId: due.run.id, attempt: 1 }] }]);
  });

  test("after the queue lost its messages every execution is read and work older than the loss asked for, waiting retries too", async () => {
    const before = Date.now() - 10;
    const retrying = await seed(before, "RETRYING", { retryAt: iso(Date.now() + 3_600_000) });
    const queued = await seed(before, "QUEUED");
    expect(await pass()).toEqual([]);
    const events = await pass(Date.now());
    expect(reads).toBe(2);
    // the executor arms the retry's wait again for what is left of it (retry-wait.ts)
    expect(events).toHaveLength(2);
    expect(events).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: "stale", executionId: retrying.execution.id }),
      expect.objectContaining({ type: "stale", executionId: queued.execution.id }),
    ]));
  });

  test("work newer than a queue loss is not asked for then, and is looked at again once it could be stale", async () => {
    const lostAt = Date.now() - 500;
    const { run } = await seed(Date.now(), "QUEUED");
    expect(await pass(lostAt)).toEqual([]);
    expect(await pass()).toEqual([]);
    expect(reads).toBe(0);
    await new Promise((r) => setTimeout(r, STALE_AFTER));
    expect(await pass()).toEqual([expect.objectContaining({ type: "stale", runs: [{ taskRunId: run.id, attempt: 0 }] })]);
  });

  test("an execution that stopped moving is walked once per version", async () => {
    const { execution } = await seed(Date.now() - 10 * STALE_AFTER, "SUCCESS");
    expect(await pass()).toEqual([{ type: "reconcile-walk", executionId: execution.id }]);
    expect(await pass()).toEqual([]);
    expect(reads).toBe(0);
    await repository.saveExecution({ ...execution, updated: iso(Date.now() - 10 * STALE_AFTER + 1) });
    // changed since the read: nothing in it can be lost before `staleAfter` from the read
    expect(await pass()).toEqual([]);
    expect(reads).toBe(0);
    await new Promise((r) => setTimeout(r, STALE_AFTER));
    expect(await pass()).toEqual([{ type: "reconcile-walk", executionId: execution.id }]);
  });

  test("1,000 executions in flight: the first pass reads each once, the next reads none", async () => {
    const held: TaskRunRecord[] = [];
    for (let i = 0; i < 1000; i++) held.push((await seed(Date.now() - 100, "RUNNING")).run);
    // a staleAfter longer than seeding takes on a loaded box: none of them goes quiet meanwhile
    reconciler.stop();
    reconciler = new Reconciler({ repository, queue, workers, everyMs: 3_600_000, staleAfterMs: 60_000 });
    await announce(held);
    expect(await pass()).toEqual([]);
    expect(reads).toBe(1000);
    expect(await pass()).toEqual([]);
    expect(reads).toBe(0);
  });
});
