import { configSchema } from "@ferry/core";
import type { Storage } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeStorageParts, composeWorker } from "../composition.js";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import type { ExecutorEvent, WorkerJob } from "../messages.js";
import type { Worker } from "../worker/worker.js";

/**
 * Documents handed over with jobs and results (job-docs.ts): a worker with a store of its own,
 * as a standalone worker has, reads a job's inputs, trigger and earlier outputs from what the
 * job carries, and the executor reads a result's outputs from what the result carries — none
 * from storage — and what they read is what storage holds.
 */
let h: EngineHarness;
let worker: Worker;
const workerGets: string[] = [];
const schedulerGets: string[] = [];
const jobs: WorkerJob[] = [];
const results: ExecutorEvent[] = [];
/** storage's own read, counted by neither */
let stored: Storage["get"];

beforeAll(async () => {
  h = await createEngineHarness();
  await h.worker.stop();
  const storage = h.storage;
  const get = storage.get.bind(storage);
  stored = get;
  storage.get = async (key) => (schedulerGets.push(key), get(key));
  // the worker's own parts over the same storage, its reads counted apart
  const own = Object.assign(Object.create(storage) as Storage, { get: async (key: string) => (workerGets.push(key), get(key)) });
  const send = h.queue.send.bind(h.queue);
  h.queue.send = async (channel, message, options) => {
    if (channel.startsWith("jobs.")) jobs.push(message as WorkerJob);
    else if ((message as ExecutorEvent).type === "result") results.push(message as ExecutorEvent);
    return send(channel, message, options);
  };
  const parts = composeStorageParts({ storage: own }, async () => h.repository);
  worker = composeWorker({ config: configSchema.parse({}), backends: { storage: own, queue: h.queue, secrets: undefined as never }, registry: h.registry, storage: parts });
  await worker.start();
});
afterAll(async () => {
  await worker.stop();
  await h.close();
});

const FLOW = `
id: docs
namespace: test.engine.docs
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: first
    type: core.Return
    format: "Hello {{ inputs.name }} {{ trigger.source }}"
  - id: second
    type: core.Return
    format: "{{ outputs.first.value }}!"
`;

describe("documents handed over with jobs and results", () => {
  it("a worker with its own store renders from the job's documents, the executor reads outputs from the result's, storage unread", async () => {
    const flow = await h.deploy(FLOW);
    const execution = await h.executions.create({ flow, inputs: {}, trigger: { id: "t", type: "io.kestra.plugin.core.trigger.Webhook", variables: { source: "bench" } } });
    await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
    const done = await h.result(execution.id);
    expect(await done.outputs("second")).toEqual({ value: "Hello World bench!" });
    const mine = jobs.filter((j) => j.executionId === execution.id);
    expect(mine.map((j) => Object.keys(j.docs ?? {}).length)).toEqual([2, 3]);
    // each text handed over is what storage holds under its URI
    for (const job of mine) for (const [uri, text] of Object.entries(job.docs!)) expect(text).toBe(new TextDecoder().decode((await stored(uri.slice("ferry://".length)))!));
    expect(results.filter((r) => r.executionId === execution.id).map((r) => (r.type === "result" ? JSON.parse(r.outputs!) : undefined))).toEqual([{ value: "Hello World bench" }, { value: "Hello World bench!" }]);
    expect(workerGets.filter((k) => k.includes(execution.id))).toEqual([]);
    expect(schedulerGets.filter((k) => k.includes(execution.id) && k.endsWith(".json"))).toEqual([]);
  });
});
