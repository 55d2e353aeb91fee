import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineEvents } from "@ferry/engine";
import { createSqliteRepository, type SqliteRepository } from "@ferry/repository-sqlite";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecutionWaiter } from "./execution-waiter.js";

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
    waiter.close();
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
    waiter.close();
  });
});
