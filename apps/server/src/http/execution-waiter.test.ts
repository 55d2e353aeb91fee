import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EngineEvents, type SavedRecords } from "@ferry/engine";
import { createMemoryQueue } from "@ferry/queue-memory";
import { createSqliteRepository, type SqliteRepository } from "@ferry/repository-sqlite";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecutionWaiter } from "./execution-waiter.js";
import { startTestFerry } from "../server.test-support.js";

let dir: string;
let repository: SqliteRepository;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-waiter-"));
  repository = createSqliteRepository({ type: "sqlite", path: join(dir, "ferry.db") });
  await repository.init();
});
afterAll(async () => {
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

const ended = (events: EngineEvents, executionId: string) =>
  events.emit("execution", { executionId, namespace: "n", flowId: "f", state: "SUCCESS", entered: [] });

describe("ExecutionWaiter footprint", () => {
  it("forgets an execution once its last request gave up waiting (a Pause that goes on)", async () => {
    const events = new EngineEvents();
    const waiter = new ExecutionWaiter(repository, events, 5);
    for (let i = 0; i < 50; i++) await waiter.wait(`paused-${i}`, 5);
    expect(waiter.size).toBe(0);
    await waiter.close();
  });

  // a webhook whose once-only start was taken over under its id while it stalled cancelled every wait on that id,
  // and the taker's request answered an execution still RUNNING (review of the claim change)
  it("a request's own cancel ends its wait alone: another request on the same id still waits for the end", async () => {
    const events = new EngineEvents();
    const waiter = new ExecutionWaiter(repository, events, 1000);
    const mine = waiter.waitOwn("e-shared", 60_000);
    const theirs = waiter.waitOwn("e-shared", 60_000);
    mine.cancel();
    expect(await mine.ended).toBeUndefined();
    let answered = false;
    void theirs.ended.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    expect(waiter.size).toBe(1);
    ended(events, "e-shared");
    await theirs.ended;
    expect(waiter.size).toBe(0);
    theirs.cancel();
    await waiter.close();
  });

  it("keeps an execution while one request still waits, and forgets it when it ends", async () => {
    const events = new EngineEvents();
    const waiter = new ExecutionWaiter(repository, events, 1000);
    const long = waiter.wait("e1", 60_000);
    await waiter.wait("e1", 5);
    expect(waiter.size).toBe(1);
    ended(events, "e1");
    await long;
    expect(waiter.size).toBe(0);
    await waiter.close();
  });
});

describe("ExecutionWaiter across schedulers", () => {
  it("answers a request waiting on one scheduler when another ends the execution, without a database read", async () => {
    const queue = createMemoryQueue();
    const [here, there] = [new EngineEvents(), new EngineEvents()];
    // an hour between polls: only the broadcast can release the request
    const waiting = new ExecutionWaiter(repository, here, 3_600_000, queue);
    const ending = new ExecutionWaiter(repository, there, 3_600_000, queue);
    await Promise.all([waiting.start(), ending.start()]);
    let answered = false;
    const request = waiting.wait("e-remote", 3_600_000).then(() => (answered = true));
    expect(answered).toBe(false);
    ended(there, "e-remote");
    await request;
    expect(waiting.size).toBe(0);
    await Promise.all([waiting.close(), ending.close()]);
    await queue.close?.();
  });

  it("polls only what waited a whole interval: a request that ends within it costs no read", async () => {
    const read: string[] = [];
    const counting = { ...repository, getExecution: async (id: string) => (read.push(id), repository.getExecution(id)) } as typeof repository;
    const events = new EngineEvents();
    const waiter = new ExecutionWaiter(counting, events, 20);
    const long = waiter.wait("e-long", 3_600_000);
    // the stored execution does not exist: it goes on waiting, read at each interval
    await vi.waitFor(() => expect(read).toContain("e-long"), { timeout: 60_000 });
    const fresh = waiter.wait("e-fresh", 3_600_000);
    ended(events, "e-fresh");
    await fresh;
    ended(events, "e-long");
    await long;
    expect(read).not.toContain("e-fresh");
    await waiter.close();
  });
});

describe("ExecutionWaiter answers from what this process saved", () => {
  const endedWith = (events: EngineEvents, executionId: string, saved: () => SavedRecords) =>
    events.emit("execution", { executionId, namespace: "n", flowId: "f", state: "SUCCESS", entered: [], saved });
  const records = (id: string): SavedRecords => ({
    execution: { id, namespace: "n", flowId: "f", flowRevision: 1, state: { current: "SUCCESS", histories: [] }, labels: {} } as unknown as SavedRecords["execution"],
    taskRuns: [],
  });

  it("gives each waiting request its own copy of the saved end, and copies nothing when nobody waits", async () => {
    const events = new EngineEvents();
    const waiter = new ExecutionWaiter(repository, events, 3_600_000);
    let copies = 0;
    endedWith(events, "nobody", () => (copies++, records("nobody")));
    expect(copies).toBe(0);
    const [a, b] = [waiter.wait("e-saved", 3_600_000), waiter.wait("e-saved", 3_600_000)];
    endedWith(events, "e-saved", () => (copies++, records("e-saved")));
    const [first, second] = await Promise.all([a, b]);
    expect(copies).toBe(1);
    expect(first?.execution.id).toBe("e-saved");
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    await waiter.close();
  });

  it("answers ?wait=true and a webhook with wait from the executor's saved end: no read of the execution", async () => {
    const server = await startTestFerry();
    try {
      await server.deploy(`id: answered
namespace: waiter.test
tasks:
  - id: first
    type: io.kestra.plugin.core.output.OutputValues
    values: { n: 1 }
  - id: second
    type: io.kestra.plugin.core.output.OutputValues
    values: { m: "{{ outputs.first.values.n + 1 }}" }
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: answered-key
    wait: true
`);
      const repo = server.ferry.deps.repository;
      const reads: string[] = [];
      const getExecution = repo.getExecution.bind(repo);
      repo.getExecution = async (id: string) => (reads.push(id), getExecution(id));
      const viaApi = await (await server.api("/executions/waiter.test/answered?wait=true", { method: "POST" })).json();
      const viaHook = await (await server.api("/executions/webhook/waiter.test/answered/answered-key", { method: "POST" })).json();
      for (const body of [viaApi, viaHook]) {
        expect(body.state.current).toBe("SUCCESS");
        expect(body.taskRunList.map((r: { taskId: string; outputs: unknown }) => [r.taskId, r.outputs])).toEqual([
          ["first", { values: { n: 1 } }],
          ["second", { values: { m: "2" } }],
        ]);
        expect(reads).not.toContain(body.id);
      }
      // what it answered is what is stored
      const stored = await (await server.api(`/executions/${viaHook.id}`)).json();
      expect(stored).toEqual(viaHook);
    } finally {
      await server.close();
    }
  });
});
