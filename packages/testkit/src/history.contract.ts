import type { HistoryBatch, HistoryExecution, HistoryPosition, HistoryStore, StateCount } from "@ferry/sdk";
import { beforeAll, expect } from "vitest";
import { executionOf, logsOf } from "./history-fixtures.js";
import { contractSuite, type Skips } from "./skips.js";

/**
 * What a history implementation gives the contract: its store, and how data reaches it. An
 * exported store is fed by `store.write` (as the exporter does); a store answered by the
 * primary is fed through the primary (`ingest` saves there, and the write cases are skipped).
 */
export interface HistoryFixture {
  store: HistoryStore;
  ingest(batch: HistoryBatch, position: HistoryPosition): Promise<void>;
  init?(): Promise<void>;
  close?(): Promise<void>;
}

const DAY = 86_400_000;
const BASE = Date.parse("2026-03-02T10:00:00.000Z");
const at = (ms: number) => new Date(BASE + ms).toISOString();
const batchOf = (executions: HistoryExecution[], logs: HistoryBatch["logs"] = []): HistoryBatch => ({ executions, logs, metrics: [] });

/** The position after a batch: its last execution change and its highest seqs. */
export function positionAfter(batch: HistoryBatch, before?: HistoryPosition): HistoryPosition {
  const last = [...batch.executions].sort((a, b) => (a.execution.updated + a.execution.id).localeCompare(b.execution.updated + b.execution.id)).pop();
  return {
    executions: last ? { updated: last.execution.updated, id: last.execution.id } : (before?.executions ?? { updated: "", id: "" }),
    logs: Math.max(before?.logs ?? 0, ...batch.logs.map((l) => l.seq)),
    metrics: Math.max(before?.metrics ?? 0, ...batch.metrics.map((m) => m.seq)),
  };
}

/**
 * The history contract: every history store answers the same searches the same way. Each
 * case writes under its own namespace, so cases do not see each other's data.
 */
export function historyContract(name: string, create: () => Promise<HistoryFixture>, skips?: Skips): void {
  contractSuite(`history contract: ${name}`, create, skips, (test, instance) => {
    let fixture: HistoryFixture;
    let store: HistoryStore;
    let seq = 1;
    const run = Math.random().toString(36).slice(2, 8);
    const ns = (n: string) => (n ? `contract.h${run}.${n}` : `contract.h${run}`);
    const ingest = (batch: HistoryBatch) => fixture.ingest(batch, positionAfter(batch));
    const lines = (e: HistoryExecution, messages: string[], extra: { level?: "DEBUG" | "INFO" | "ERROR"; taskId?: string } = {}) => {
      const entries = logsOf(e, seq, messages.map((message) => ({ message, ...extra })));
      seq += messages.length;
      return entries;
    };
    beforeAll(() => {
      fixture = instance();
      store = fixture.store;
    });

    test("answers ping", async () => {
      await store.ping();
    });

    test("an execution is found by id with its task runs; an unknown id is undefined", async () => {
      const e = executionOf({ namespace: ns("get"), created: at(0), taskRuns: 3, labels: { team: "a" } });
      await ingest(batchOf([e]));
      const found = await store.getExecution(e.execution.id);
      expect(found?.execution).toMatchObject({ id: e.execution.id, namespace: ns("get"), labels: { team: "a" }, state: { current: "SUCCESS" }, outputsUri: e.execution.outputsUri });
      expect(found?.taskRuns.map((t) => t.id).sort()).toEqual(e.taskRuns.map((t) => t.id).sort());
      expect(await store.getExecution("00000000-0000-7000-8000-000000000000")).toBeUndefined();
    });

    test("the same batch written twice is stored once", async () => {
      const e = executionOf({ namespace: ns("twice"), created: at(0) });
      const batch = batchOf([e], lines(e, ["one", "two"]));
      await ingest(batch);
      await ingest(batch);
      expect((await store.searchExecutions({ namespace: ns("twice"), size: 10 })).total).toBe(1);
      expect((await store.findLogs(e.execution.id)).map((l) => l.message)).toEqual(["one", "two"]);
    });

    test("an older version written after a newer one keeps the newer", async () => {
      const id = executionOf({ namespace: ns("order"), created: at(0) }).execution.id;
      const newer = executionOf({ id, namespace: ns("order"), created: at(0), state: "FAILED", version: 5 });
      const older = executionOf({ id, namespace: ns("order"), created: at(0), state: "RUNNING", version: 2 });
      await ingest(batchOf([newer]));
      await ingest(batchOf([older]));
      expect((await store.getExecution(id))?.execution.state.current).toBe("FAILED");
      expect((await store.getExecution(id))?.execution.version).toBe(5);
    });

    test("the position is stored with its batch and never moves back", async () => {
      // saved after every other case's executions: the position is this case's to move
      const [first, second] = [0, 1].map((i) => executionOf({ namespace: ns("position"), created: at(100 * DAY + i * 1000) }));
      const later = batchOf([second], lines(second, ["p2"]));
      const earlier = batchOf([first], lines(first, ["p1"]));
      const before = await store.position();
      await fixture.ingest(later, positionAfter(later, before));
      expect(await store.position()).toEqual(positionAfter(later, before));
      // a slower writer finishing last with an older batch
      await fixture.ingest(earlier, { ...positionAfter(earlier), logs: positionAfter(later).logs - 1 });
      expect(await store.position()).toEqual(positionAfter(later, before));
      expect(await store.getExecution(first.execution.id)).toBeDefined();
    });

    test("a rebuild fills a new generation beside the live one, which serves whole until the switch; a second begin starts it afresh", async () => {
      const old = executionOf({ namespace: ns("rebuild"), created: at(0) });
      const oldBatch = batchOf([old], lines(old, ["old line"]));
      await ingest(oldBatch);
      const livePosition = await store.position();
      expect(await store.rebuilding()).toBe(false);
      await store.beginRebuild();
      expect(await store.rebuilding()).toBe(true);
      // the new generation starts empty, with no position; searches still read the live one
      expect(await store.position()).toBeUndefined();
      const abandoned = executionOf({ namespace: ns("rebuild"), created: at(500) });
      await ingest(batchOf([abandoned]));
      // a rebuild begun again (its first died): what the first wrote is gone with it
      await store.beginRebuild();
      expect(await store.position()).toBeUndefined();
      const fresh = executionOf({ namespace: ns("rebuild"), created: at(1000) });
      const rebuilt = batchOf([old, fresh], lines(fresh, ["new line"]));
      await ingest(rebuilt);
      expect(await store.position()).toEqual(positionAfter(rebuilt));
      expect((await store.searchExecutions({ namespace: ns("rebuild"), size: 10 })).results.map((e) => e.id)).toEqual([old.execution.id]);
      expect((await store.findLogs(old.execution.id)).map((l) => l.message)).toEqual(["old line"]);
      await store.finishRebuild();
      expect(await store.rebuilding()).toBe(false);
      expect((await store.searchExecutions({ namespace: ns("rebuild"), size: 10 })).results.map((e) => e.id)).toEqual([fresh.execution.id, old.execution.id]);
      expect(await store.getExecution(abandoned.execution.id)).toBeUndefined();
      // the old generation's lines went with it; the rebuild wrote none for that execution
      expect(await store.findLogs(old.execution.id)).toEqual([]);
      expect((await store.findLogs(fresh.execution.id)).map((l) => l.message)).toEqual(["new line"]);
      expect(await store.position()).toEqual(positionAfter(rebuilt));
      expect(livePosition).toBeDefined();
      // nothing under way: a finish changes nothing
      await store.finishRebuild();
      expect(await store.getExecution(fresh.execution.id)).toBeDefined();
    });

    test("two writers writing the same batches at once store each execution and line once", async () => {
      const executions = Array.from({ length: 20 }, (_, i) => executionOf({ namespace: ns("race"), created: at(i * 1000) }));
      const logs = executions.flatMap((e) => lines(e, ["a", "b"]));
      const batch = batchOf(executions, logs);
      await Promise.all([ingest(batch), ingest(batch), ingest(batch)]);
      expect((await store.searchExecutions({ namespace: ns("race"), size: 100 })).total).toBe(20);
      for (const e of executions.slice(0, 3)) expect((await store.findLogs(e.execution.id)).map((l) => l.message)).toEqual(["a", "b"]);
    });

    test("searches by namespace (children too), flow, state, labels and time range, newest first", async () => {
      const mk = (n: string, flowId: string, state: "SUCCESS" | "FAILED", day: number, labels: Record<string, string> = {}) =>
        executionOf({ namespace: ns(`q.${n}`), flowId, state, created: at(day * DAY), labels });
      const all = [mk("s", "a", "SUCCESS", 0, { env: "prod" }), mk("s", "a", "FAILED", 1), mk("s.child", "b", "SUCCESS", 2, { env: "prod", team: "x" }), mk("t", "a", "FAILED", 3)];
      await ingest(batchOf(all));
      const ids = async (q: Parameters<HistoryStore["searchExecutions"]>[0]) => (await store.searchExecutions(q)).results.map((e) => e.id);
      const [a, b, c, d] = all.map((e) => e.execution.id);
      expect(await ids({ namespace: ns("q.s"), size: 10 })).toEqual([c, b, a]);
      expect(await ids({ namespace: ns("q.s"), flowId: "a", size: 10 })).toEqual([b, a]);
      expect(await ids({ namespace: ns("q"), state: ["FAILED"], size: 10 })).toEqual([d, b]);
      expect(await ids({ namespace: ns("q"), labels: { env: "prod" }, size: 10 })).toEqual([c, a]);
      expect(await ids({ namespace: ns("q"), labels: { env: "prod", team: "x" }, size: 10 })).toEqual([c]);
      expect(await ids({ namespace: ns("q"), startedAfter: at(DAY), endedBefore: at(2 * DAY + 60_000), size: 10 })).toEqual([c, b]);
      expect((await store.searchExecutions({ namespace: ns("q"), size: 1 })).total).toBe(4);
    });

    test("a Loop's iterations (kind LOOP) are searched only when asked for, by their parent too", async () => {
      const root = executionOf({ namespace: ns("kind"), created: at(0) });
      const iteration = executionOf({ namespace: ns("kind"), created: at(60_000) });
      iteration.execution.kind = "LOOP";
      iteration.execution.parent = { executionId: root.execution.id, taskRunId: "loop-run" };
      await ingest(batchOf([root, iteration]));
      const ids = async (q: Parameters<HistoryStore["searchExecutions"]>[0]) => (await store.searchExecutions(q)).results.map((e) => e.id);
      expect(await ids({ namespace: ns("kind"), size: 10 })).toEqual([root.execution.id]);
      expect(await ids({ namespace: ns("kind"), kind: "LOOP", size: 10 })).toEqual([iteration.execution.id]);
      expect(await ids({ namespace: ns("kind"), kind: "LOOP", parentId: root.execution.id, size: 10 })).toEqual([iteration.execution.id]);
      expect(await ids({ namespace: ns("kind"), kind: "LOOP", parentId: "another", size: 10 })).toEqual([]);
      // the dashboard's counts: the flow's executions, not their Loops' iterations
      const counts = await store.countStates({ namespace: ns("kind"), from: at(0), to: at(DAY), groupBy: "flow" });
      expect(counts.map((c) => c.count).reduce((a, b) => a + b, 0)).toBe(1);
    });

    test("keyset pages walk every match once, newest first", async () => {
      const all = Array.from({ length: 25 }, (_, i) => executionOf({ namespace: ns("pages"), created: at(i * 60_000) }));
      await ingest(batchOf(all));
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.searchExecutions({ namespace: ns("pages"), size: 10, after });
        expect(page.total).toBe(25);
        seen.push(...page.results.map((e) => e.id));
        after = page.next;
        pages++;
      } while (after && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(all.map((e) => e.execution.id).reverse());
      const second = await store.searchExecutions({ namespace: ns("pages"), size: 10, page: 2 });
      expect(second.results.map((e) => e.id)).toEqual(seen.slice(10, 20));
    });

    test("a count is exact up to countUpTo; past it, it says more than the cap and is exact or marked estimated", async () => {
      await ingest(batchOf(Array.from({ length: 5 }, (_, i) => executionOf({ namespace: ns("capped"), created: at(i * 60_000) }))));
      const under = await store.searchExecutions({ namespace: ns("capped"), size: 2, countUpTo: 10 });
      expect([under.total, under.totalEstimated ?? false, under.results.length]).toEqual([5, false, 2]);
      const over = await store.searchExecutions({ namespace: ns("capped"), size: 2, countUpTo: 2 });
      expect(over.results).toHaveLength(2);
      expect(over.total).toBeGreaterThan(2);
      if (!over.totalEstimated) expect(over.total).toBe(5);
    });

    test("logs of one execution in the primary's order, by task and minimum level", async () => {
      const e = executionOf({ namespace: ns("logs"), created: at(0) });
      const logs = [...lines(e, ["starting", "details"], { level: "DEBUG" }), ...lines(e, ["broke"], { level: "ERROR", taskId: "t1" })];
      await ingest(batchOf([e], logs));
      expect((await store.findLogs(e.execution.id)).map((l) => l.message)).toEqual(["starting", "details", "broke"]);
      expect((await store.findLogs(e.execution.id, { minLevel: "INFO" })).map((l) => l.message)).toEqual(["broke"]);
      expect((await store.findLogs(e.execution.id, { taskId: "t0" })).map((l) => l.message)).toEqual(["starting", "details"]);
      expect((await store.findLogs(e.execution.id))[0]).toMatchObject({ executionId: e.execution.id, namespace: ns("logs"), level: "DEBUG", taskId: "t0" });
    });

    test("metrics of one execution in the primary's order, by task and task run", async () => {
      const e = executionOf({ namespace: ns("metrics"), created: at(0), taskRuns: 2 });
      const [r0, r1] = e.taskRuns;
      const metric = (run: typeof r0, name: string, value: number, i: number) => ({
        seq: seq++, executionId: e.execution.id, namespace: ns("metrics"), flowId: "flow", taskId: run.taskId, taskRunId: run.id,
        name, type: "counter" as const, value, tags: { host: "a" }, timestamp: at(i),
      });
      const metrics = [metric(r0, "rows", 12, 0), metric(r1, "rows", 3.5, 1), metric(r0, "bytes", 1024, 2)];
      await ingest({ executions: [e], logs: [], metrics });
      expect((await store.findMetrics(e.execution.id)).map((m) => [m.taskId, m.name, m.value])).toEqual([["t0", "rows", 12], ["t1", "rows", 3.5], ["t0", "bytes", 1024]]);
      expect((await store.findMetrics(e.execution.id, { taskId: "t1" })).map((m) => m.value)).toEqual([3.5]);
      expect((await store.findMetrics(e.execution.id, { taskRunId: r0.id })).map((m) => m.name)).toEqual(["rows", "bytes"]);
      const { seq: _seq, ...first } = metrics[0];
      expect((await store.findMetrics(e.execution.id))[0]).toEqual(first);
      expect(await store.findMetrics("00000000-0000-7000-8000-000000000000")).toEqual([]);
    });

    test("full-text log search across executions, newest first, paged", async () => {
      const [one, two] = [0, 1].map((i) => executionOf({ namespace: ns("fts"), created: at(i * 60_000) }));
      const logs = [...lines(one, ["Connection refused by the database", "all good"]), ...lines(two, ["database connection refused again", "DATABASE is fine"])];
      await ingest(batchOf([one, two], logs));
      const found = await store.searchLogs({ q: "connection refused", namespace: ns("fts"), size: 10 });
      expect(found.results.map((l) => l.message)).toEqual(["database connection refused again", "Connection refused by the database"]);
      expect(found.total).toBe(2);
      const first = await store.searchLogs({ q: "database", namespace: ns("fts"), size: 2 });
      expect(first.total).toBe(3);
      const rest = await store.searchLogs({ q: "database", namespace: ns("fts"), size: 2, after: first.next });
      expect([...first.results, ...rest.results].map((l) => l.message)).toEqual(["DATABASE is fine", "database connection refused again", "Connection refused by the database"]);
      expect(rest.next).toBeUndefined();
      expect((await store.searchLogs({ q: "nothing-like-this", namespace: ns("fts"), size: 10 })).results).toEqual([]);
    });

    test("counts executions per state per day and per hour, with the durations of the ended ones", async () => {
      // executionOf ends an execution 1 s × (1 + version) after its creation
      const states = [["SUCCESS", 0, 1], ["SUCCESS", 0, 3], ["FAILED", 0, 1], ["RUNNING", 0, 1], ["SUCCESS", 1, 2], ["WARNING", 3, 1]] as const;
      await ingest(batchOf(states.map(([state, day, version], i) => executionOf({ namespace: ns("counts"), state, version, created: at(day * DAY + i * 1000) }))));
      const sorted = (counts: StateCount[]) => [...counts].sort((x, y) => `${x.bucket}${x.state}`.localeCompare(`${y.bucket}${y.state}`));
      const day = (n: number) => new Date(BASE + n * DAY).toISOString().slice(0, 10) + "T00:00:00.000Z";
      expect(sorted(await store.countStates({ namespace: ns("counts"), from: at(0), to: at(3 * DAY), groupBy: "day" }))).toEqual([
        { bucket: day(0), state: "FAILED", count: 1, duration: { min: 2, max: 2, sum: 2 } },
        { bucket: day(0), state: "RUNNING", count: 1 },
        { bucket: day(0), state: "SUCCESS", count: 2, duration: { min: 2, max: 4, sum: 6 } },
        { bucket: day(1), state: "SUCCESS", count: 1, duration: { min: 3, max: 3, sum: 3 } },
      ]);
      const hour = new Date(BASE).toISOString().slice(0, 13) + ":00:00.000Z";
      expect(sorted(await store.countStates({ namespace: ns("counts"), from: at(0), to: at(DAY), groupBy: "hour" })).map((c) => [c.bucket, c.state, c.count])).toEqual([
        [hour, "FAILED", 1], [hour, "RUNNING", 1], [hour, "SUCCESS", 2],
      ]);
    });

    test("counts executions per flow and state over a range, a flow named by its namespace and id", async () => {
      const mk = (n: string, flowId: string, state: "SUCCESS" | "FAILED", version = 1) => executionOf({ namespace: ns(`flows.${n}`), flowId, state, version, created: at(1000 * version) });
      await ingest(batchOf([mk("a", "f", "SUCCESS"), mk("a", "f", "FAILED", 4), mk("a", "g", "SUCCESS"), mk("a.child", "f", "SUCCESS", 2)]));
      const counts = await store.countStates({ namespace: ns("flows"), from: at(0), to: at(DAY), groupBy: "flow" });
      const key = (c: StateCount) => [c.namespace, c.flowId, c.state].join("\u0000");
      expect([...counts].sort((x, y) => (key(x) < key(y) ? -1 : 1))).toEqual([
        { namespace: ns("flows.a"), flowId: "f", state: "FAILED", count: 1, duration: { min: 5, max: 5, sum: 5 } },
        { namespace: ns("flows.a"), flowId: "f", state: "SUCCESS", count: 1, duration: { min: 2, max: 2, sum: 2 } },
        { namespace: ns("flows.a"), flowId: "g", state: "SUCCESS", count: 1, duration: { min: 2, max: 2, sum: 2 } },
        { namespace: ns("flows.a.child"), flowId: "f", state: "SUCCESS", count: 1, duration: { min: 3, max: 3, sum: 3 } },
      ]);
      // with a flow id, the namespace is exact: the child namespace's flow f is another flow
      const one = await store.countStates({ namespace: ns("flows.a"), flowId: "f", from: at(0), to: at(DAY), groupBy: "flow" });
      expect(one.map((c) => c.count).reduce((a, b) => a + b)).toBe(2);
    });
  });
}

/** the write cases: what a store answered by the primary skips, with this reason */
export const PRIMARY_ANSWERS_SKIPS = {
  "the same batch written twice is stored once": "answered by the primary: nothing is exported to it",
  "an older version written after a newer one keeps the newer": "answered by the primary: nothing is exported to it",
  "the position is stored with its batch and never moves back": "answered by the primary: it has no export position",
  "a rebuild fills a new generation beside the live one, which serves whole until the switch; a second begin starts it afresh": "answered by the primary: nothing is exported to it, nothing to rebuild",
  "two writers writing the same batches at once store each execution and line once": "answered by the primary: nothing is exported to it",
};
