import { AlreadyExistsError, newId, type ExecutionRecord, type ExecutionState, type Repository, type TaskRunRecord } from "@ferry/sdk";
import { beforeAll, expect } from "vitest";
import { claimStartCases } from "./claim.contract.js";
import { repositoryConcurrencyCases } from "./repository-concurrency.contract.js";
import { contractSuite, type Skips } from "./skips.js";

const now = () => new Date().toISOString();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const state = <S extends string>(current: S) => ({ current, histories: [{ state: current, date: now() }], startDate: now() });

function execution(over: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: newId(), namespace: "contract.team", flowId: "flow", flowRevision: 1, state: state("CREATED"), labels: { team: "a" },
    created: now(), updated: now(), storagePrefix: "contract/team/flow/executions/x", ...over,
  };
}

function taskRun(executionId: string, over: Partial<TaskRunRecord> = {}): TaskRunRecord {
  return { id: newId(), executionId, taskId: "t1", state: state("CREATED"), attempts: [], ...over };
}

/**
 * The repository contract. `create` gives a fresh, empty repository (its own database);
 * `init` is called here.
 */
export function repositoryContract(name: string, create: () => Promise<Repository>, skips?: Skips): void {
  contractSuite(`repository contract: ${name}`, create, skips, (test, instance) => {
    let repo: Repository;
    beforeAll(() => void (repo = instance()));

    test("saveFlow creates revision 1, a new revision only when the source changes", async () => {
      const a = await repo.saveFlow({ namespace: "c.flows", id: "f", source: "v1" });
      expect(a).toMatchObject({ created: true, changed: true, flow: { revision: 1, source: "v1", deleted: false } });
      const same = await repo.saveFlow({ namespace: "c.flows", id: "f", source: "v1" });
      expect(same).toMatchObject({ created: false, changed: false, flow: { revision: 1 } });
      const b = await repo.saveFlow({ namespace: "c.flows", id: "f", source: "v2" });
      expect(b.flow.revision).toBe(2);
      expect((await repo.getFlow("c.flows", "f"))?.source).toBe("v2");
      expect((await repo.getFlow("c.flows", "f", 1))?.source).toBe("v1");
      expect((await repo.listFlowRevisions("c.flows", "f")).map((r) => r.revision)).toEqual([1, 2]);
    });
    test("racing first saves of one flow: each is saved or refused as a conflict (409), never another error", async () => {
      for (let round = 0; round < 5; round++) {
        const id = `race${round}`;
        const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => repo.saveFlow({ namespace: "c.race", id, source: `id: ${id}\n# writer ${i}\n` })));
        for (const result of results) {
          if (result.status === "rejected") expect((result.reason as { status?: number }).status, String(result.reason)).toBe(409);
        }
        expect(results.some((r) => r.status === "fulfilled")).toBe(true);
        const revisions = await repo.listFlowRevisions("c.race", id);
        expect(revisions.map((r) => r.revision)).toEqual(revisions.map((_, i) => i + 1));
      }
    });
    test("deleteFlow hides the flow; saving again continues the revisions", async () => {
      await repo.saveFlow({ namespace: "c.del", id: "f", source: "v1" });
      expect(await repo.deleteFlow("c.del", "f")).toBe(true);
      expect(await repo.getFlow("c.del", "f")).toBeUndefined();
      expect(await repo.deleteFlow("c.del", "f")).toBe(false);
      const again = await repo.saveFlow({ namespace: "c.del", id: "f", source: "v1" });
      expect(again).toMatchObject({ created: true, flow: { revision: 2 } });
    });
    test("deleteFlowRevisions removes old revisions, never the latest; saves continue after the highest kept (Kestra's PurgeFlowsTest)", async () => {
      for (const source of ["v1", "v2", "v3", "v4"]) await repo.saveFlow({ namespace: "c.purge", id: "f", source });
      expect(await repo.deleteFlowRevisions("c.purge", "f", [1, 3, 4])).toBe(2);
      expect((await repo.listFlowRevisions("c.purge", "f")).map((r) => r.revision)).toEqual([2, 4]);
      expect((await repo.getFlow("c.purge", "f"))?.source).toBe("v4");
      expect(await repo.getFlow("c.purge", "f", 1)).toBeUndefined();
      expect(await repo.deleteFlowRevisions("c.purge", "f", [])).toBe(0);
      expect(await repo.deleteFlowRevisions("c.purge", "missing", [1])).toBe(0);
      const next = await repo.saveFlow({ namespace: "c.purge", id: "f", source: "v5" });
      expect(next.flow.revision).toBe(5);
      expect(await repo.deleteFlowRevisions("c.purge", "f", [2, 4, 5])).toBe(2);
      expect((await repo.listFlowRevisions("c.purge", "f")).map((r) => r.revision)).toEqual([5]);
    });
    test("listFlowChanges gives the latest revision of each flow saved or deleted after a time, deleted ones marked", async () => {
      await repo.saveFlow({ namespace: "c.changes", id: "old", source: "v1" });
      await repo.saveFlow({ namespace: "c.changes", id: "gone", source: "v1" });
      await pause(5);
      const since = now();
      await pause(5);
      await repo.saveFlow({ namespace: "c.changes", id: "a", source: "v1" });
      await repo.saveFlow({ namespace: "c.changes", id: "a", source: "v2" });
      await repo.deleteFlow("c.changes", "gone");
      const changes = (await repo.listFlowChanges(since)).filter((f) => f.namespace === "c.changes").sort((x, y) => x.id.localeCompare(y.id));
      expect(changes.map((f) => [f.id, f.revision, f.deleted, f.source])).toEqual([["a", 2, false, "v2"], ["gone", 1, true, "v1"]]);
      expect(changes.every((f) => f.updated > since)).toBe(true);
      const all = (await repo.listFlowChanges("")).filter((f) => f.namespace === "c.changes");
      expect(all.map((f) => f.id).sort()).toEqual(["a", "gone", "old"]);
      await pause(5);
      expect((await repo.listFlowChanges(now())).filter((f) => f.namespace === "c.changes")).toEqual([]);
    });
    test("searchFlows finds the latest revision by namespace (and children) and text, paginated", async () => {
      for (const id of ["s1", "s2", "s3"]) await repo.saveFlow({ namespace: "c.search", id, source: id });
      await repo.saveFlow({ namespace: "c.search.child", id: "s4", source: "s4" });
      await repo.saveFlow({ namespace: "c.search", id: "s1", source: "s1 v2" });
      const all = await repo.searchFlows({ namespace: "c.search", page: 1, size: 10 });
      expect(all.total).toBe(4);
      expect(all.results.find((f) => f.id === "s1")?.revision).toBe(2);
      const page2 = await repo.searchFlows({ namespace: "c.search", page: 2, size: 3 });
      expect(page2.results.length).toBe(1);
      expect((await repo.searchFlows({ q: "s4", page: 1, size: 10 })).results.map((f) => f.id)).toEqual(["s4"]);
    });
    test("saveExecution upserts the execution and its task runs in one call", async () => {
      const e = execution({ inputsUri: "ferry://contract/team/flow/executions/x/inputs.json" });
      const t1 = taskRun(e.id, { taskId: "a" });
      await repo.saveExecution(e, [t1]);
      e.state = state("RUNNING");
      t1.state = state("SUCCESS");
      t1.outputsUri = "ferry://x/outputs.json";
      const t2 = taskRun(e.id, { taskId: "b", value: "v1", parentTaskRunId: t1.id, attempts: [{ state: state("RUNNING"), workerId: "w" }] });
      await repo.saveExecution(e, [t1, t2]);
      const got = await repo.getExecution(e.id);
      expect(got?.execution).toEqual({ ...e, version: 0 });
      expect(got?.taskRuns).toHaveLength(2);
      expect(got?.taskRuns.find((t) => t.id === t1.id)).toEqual(t1);
      expect(got?.taskRuns.find((t) => t.id === t2.id)).toEqual(t2);
      expect(await repo.getExecution(newId())).toBeUndefined();
    });
    test("saveExecution with expectedVersion saves only over that version, and bumps it", async () => {
      const e = execution();
      await repo.saveExecution(e);
      expect((await repo.getExecution(e.id))!.execution.version).toBe(0);
      e.state = state("RUNNING");
      await repo.saveExecution(e, [taskRun(e.id, { taskId: "first" })], { expectedVersion: 0 });
      expect((await repo.getExecution(e.id))!.execution.version).toBe(1);
      // a second executor that loaded version 0 loses, and writes nothing
      e.state = state("FAILED");
      const late = taskRun(e.id, { taskId: "late" });
      await expect(repo.saveExecution(e, [late], { expectedVersion: 0 })).rejects.toMatchObject({ status: 409 });
      const stored = (await repo.getExecution(e.id))!;
      expect(stored.execution.state.current).toBe("RUNNING");
      expect(stored.execution.version).toBe(1);
      expect(stored.taskRuns.map((t) => t.taskId)).toEqual(["first"]);
    });
    test("insertExecution writes a new execution and its task runs at once; an id taken is refused (409), nothing written", async () => {
      const e = execution({ state: state("RUNNING"), version: 1, labels: { team: "a", env: "prod" } });
      const runs = [taskRun(e.id, { taskId: "first", state: state("QUEUED"), attempts: [{ state: state("CREATED") }] }), taskRun(e.id, { taskId: "second" })];
      await repo.insertExecution(e, runs);
      const got = (await repo.getExecution(e.id))!;
      expect(got.execution).toEqual(e);
      expect(got.taskRuns).toEqual([...runs].sort((a, b) => a.id.localeCompare(b.id)));
      // found by its labels, as a saved one is
      expect((await repo.searchExecutions({ namespace: e.namespace, labels: { env: "prod" }, page: 1, size: 10 })).results.map((r) => r.id)).toContain(e.id);
      // the id taken: refused as such, the stored execution and its task runs left as they were
      const again = execution({ id: e.id, state: state("CREATED"), labels: { other: "x" } });
      const error = await repo.insertExecution(again, [taskRun(e.id, { taskId: "intruder" })]).then(() => undefined, (reason: unknown) => reason);
      expect(error).toBeInstanceOf(AlreadyExistsError);
      expect(error).toMatchObject({ status: 409 });
      const after = (await repo.getExecution(e.id))!;
      expect(after.execution).toEqual(e);
      expect(after.taskRuns.map((t) => t.taskId).sort()).toEqual(["first", "second"]);
      // its next save is at the version it was inserted at
      await repo.saveExecution({ ...e, state: state("SUCCESS") }, [], { expectedVersion: 1 });
      expect((await repo.getExecution(e.id))!.execution).toMatchObject({ version: 2, state: { current: "SUCCESS" } });
      // without a version and task runs: version 0, as a first save
      const bare = execution();
      await repo.insertExecution(bare);
      expect((await repo.getExecution(bare.id))).toEqual({ execution: { ...bare, version: 0 }, taskRuns: [] });
    });
    test("getExecution reads an execution and its task runs from one snapshot, while saves go on", async () => {
      // each save moves the execution's label and its task run's outputs together
      const e = execution({ labels: { n: "0" } });
      const run = taskRun(e.id, { outputsUri: "ferry://contract/0" });
      await repo.saveExecution(e, [run]);
      let version = 0;
      let writing = true;
      const mismatches: string[] = [];
      const reader = async () => {
        while (writing) {
          const found = await repo.getExecution(e.id);
          const seen = found?.taskRuns[0]?.outputsUri?.slice("ferry://contract/".length);
          if (found && seen !== found.execution.labels.n) mismatches.push(`execution at ${found.execution.labels.n}, task run at ${seen}`);
        }
      };
      const readers = Array.from({ length: 4 }, reader);
      for (let n = 1; n <= 150; n++) {
        await repo.saveExecution({ ...e, labels: { n: String(n) }, updated: now() }, [{ ...run, outputsUri: `ferry://contract/${n}` }], { expectedVersion: version });
        version++;
      }
      writing = false;
      await Promise.all(readers);
      expect(mismatches).toEqual([]);
    });
    test("returned records are copies", async () => {
      const e = execution();
      await repo.saveExecution(e, [taskRun(e.id)]);
      const first = await repo.getExecution(e.id);
      first!.execution.labels.team = "changed";
      first!.taskRuns[0].taskId = "changed";
      const second = await repo.getExecution(e.id);
      expect(second!.execution.labels.team).toBe("a");
      expect(second!.taskRuns[0].taskId).toBe("t1");
    });
    test("deleteTaskRuns removes the named task runs of one execution", async () => {
      const e = execution();
      const keep = taskRun(e.id, { taskId: "keep" });
      const drop = taskRun(e.id, { taskId: "drop" });
      await repo.saveExecution(e, [keep, drop]);
      await repo.deleteTaskRuns(e.id, [drop.id]);
      expect((await repo.getExecution(e.id))!.taskRuns.map((t) => t.taskId)).toEqual(["keep"]);
    });
    test("searchExecutions filters by namespace, flow and state, newest first, paginated", async () => {
      const ns = `c.exec${Date.now()}`;
      const ids: string[] = [];
      for (const s of ["SUCCESS", "FAILED", "SUCCESS"] as const) {
        const e = execution({ namespace: ns, flowId: "sf", state: state(s) });
        ids.push(e.id);
        await repo.saveExecution(e);
      }
      await repo.saveExecution(execution({ namespace: ns, flowId: "other" }));
      const ok = await repo.searchExecutions({ namespace: ns, flowId: "sf", state: ["SUCCESS"], page: 1, size: 10 });
      expect(ok.total).toBe(2);
      expect(ok.results.map((e) => e.id)).toEqual([ids[2], ids[0]]);
      const page = await repo.searchExecutions({ namespace: ns, page: 2, size: 3 });
      expect(page.total).toBe(4);
      expect(page.results).toHaveLength(1);
    });
    test("an execution keeps what the engine decided beside its state: variables, replay and retry links, schedule, kill reach, how it ends, the Approvals holding it PAUSING", async () => {
      const ns = `c.meta${Date.now()}`;
      const decided = {
        variablesUri: "ferry://x/variables.json", originalId: "orig-1", attemptNumber: 2, originalCreated: "2026-01-01T00:00:00.000Z", replayOf: "prev-1",
        retryAt: "2026-01-01T00:05:00.000Z", scheduleDate: "2026-01-02T00:00:00.000Z", killChildren: false, endsAs: "CANCELLED" as const,
        pausing: ["tr-approval-a", "tr-approval-b"],
      };
      const e = execution({ namespace: ns, flowId: "f", ...decided });
      await repo.saveExecution(e);
      expect((await repo.getExecution(e.id))!.execution).toMatchObject(decided);
      // an approval decides SUCCESS on a later save, at the version read
      const saved = (await repo.getExecution(e.id))!.execution;
      await repo.saveExecution({ ...saved, endsAs: "SUCCESS" }, [], { expectedVersion: saved.version });
      expect((await repo.getExecution(e.id))!.execution.endsAs).toBe("SUCCESS");
      // the last Approval left its onWait: the list goes
      const again = (await repo.getExecution(e.id))!.execution;
      delete again.pausing;
      await repo.saveExecution(again, [], { expectedVersion: again.version });
      expect((await repo.getExecution(e.id))!.execution.pausing).toBeUndefined();
    });
    test("a Loop's iteration (kind LOOP) keeps its kind and loop run, and searches show it only when kind LOOP is asked", async () => {
      const ns = `c.kind${Date.now()}`;
      const root = execution({ namespace: ns, flowId: "f" });
      const loopRun = { taskId: "loop", taskRunId: "tr-1", index: 1, value: "b", key: "k", parents: [{ index: 0, value: "outer" }], fetchType: "FETCH" as const, outputs: [{ taskId: "before", uri: "ferry://x/outputs.json" }] };
      const iteration = execution({ namespace: ns, flowId: "f", kind: "LOOP", parent: { executionId: root.id, taskRunId: "tr-1" }, loopRun });
      await repo.saveExecution(root);
      await repo.saveExecution(iteration);
      const read = (await repo.getExecution(iteration.id))!.execution;
      expect(read.kind).toBe("LOOP");
      expect(read.loopRun).toEqual(loopRun);
      expect(read.parent).toEqual({ executionId: root.id, taskRunId: "tr-1" });
      expect((await repo.getExecution(root.id))!.execution.kind).toBeUndefined();
      expect((await repo.searchExecutions({ namespace: ns, page: 1, size: 10 })).results.map((e) => e.id)).toEqual([root.id]);
      expect((await repo.searchExecutions({ namespace: ns, kind: "NORMAL", page: 1, size: 10 })).results.map((e) => e.id)).toEqual([root.id]);
      const loops = await repo.searchExecutions({ namespace: ns, kind: "LOOP", page: 1, size: 10 });
      expect(loops.results.map((e) => e.id)).toEqual([iteration.id]);
      expect(loops.total).toBe(1);
      // the dashboard's counts: executions of the flow, not their Loops' iterations
      if (repo.countExecutionStates) {
        const counts = await repo.countExecutionStates({ namespace: ns, from: "2000-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z", groupBy: "flow" });
        expect(counts.map((c) => c.count).reduce((a, b) => a + b, 0)).toBe(1);
      }
    });
    test("countExecutionStates groups in the database: per day or hour of creation, or per flow, with the ended ones' durations to the millisecond", async () => {
      const ns = `c.counts${Date.now()}`;
      const at = (day: number, seconds: number) => new Date(Date.parse("2026-05-01T10:00:00.000Z") + day * 86_400_000 + seconds * 1000).toISOString();
      const saved: Array<[string, ExecutionState, number, number]> = [["f", "SUCCESS", 0, 1.5], ["f", "SUCCESS", 0, 4], ["f", "FAILED", 0, 2], ["f", "RUNNING", 0, 9], ["g", "SUCCESS", 1, 0.25], ["f", "SUCCESS", 5, 1]];
      for (const [flowId, s, day, seconds] of saved) await repo.saveExecution(execution({ namespace: ns, flowId, state: state(s), created: at(day, 0), updated: at(day, seconds) }));
      await repo.saveExecution(execution({ namespace: `${ns}.child`, flowId: "f", state: state("SUCCESS"), created: at(0, 0), updated: at(0, 1) }));
      const query = { namespace: ns, from: at(0, 0), to: at(2, 0) };
      const key = (c: { bucket?: string; namespace?: string; flowId?: string; state: string }) => [c.bucket, c.namespace, c.flowId, c.state].join("\u0000");
      const sorted = <T extends Parameters<typeof key>[0]>(rows: T[]) => [...rows].sort((x, y) => (key(x) < key(y) ? -1 : 1));
      const day = (n: number) => `${at(n, 0).slice(0, 10)}T00:00:00.000Z`;
      expect(sorted(await repo.countExecutionStates!({ ...query, groupBy: "day" }))).toEqual([
        { bucket: day(0), state: "FAILED", count: 1, duration: { min: 2, max: 2, sum: 2 } },
        { bucket: day(0), state: "RUNNING", count: 1 },
        { bucket: day(0), state: "SUCCESS", count: 3, duration: { min: 1, max: 4, sum: 6.5 } },
        { bucket: day(1), state: "SUCCESS", count: 1, duration: { min: 0.25, max: 0.25, sum: 0.25 } },
      ]);
      const hours = await repo.countExecutionStates!({ ...query, groupBy: "hour" });
      expect(new Set(hours.map((c) => c.bucket))).toEqual(new Set(["2026-05-01T10:00:00.000Z", "2026-05-02T10:00:00.000Z"]));
      const flows = sorted(await repo.countExecutionStates!({ ...query, groupBy: "flow" }));
      expect(flows.map((c) => [c.namespace, c.flowId, c.state, c.count])).toEqual([
        [ns, "f", "FAILED", 1], [ns, "f", "RUNNING", 1], [ns, "f", "SUCCESS", 2], [ns, "g", "SUCCESS", 1], [`${ns}.child`, "f", "SUCCESS", 1],
      ]);
      // with a flow id the namespace is exact, as searchExecutions has it
      const one = await repo.countExecutionStates!({ ...query, flowId: "f", groupBy: "flow" });
      expect(one.map((c) => c.count).reduce((a, b) => a + b)).toBe(4);
    });
    test("searchExecutions continues after a cursor: newest first by creation then id, no row twice or missed", async () => {
      const ns = `c.keyset${Date.now()}`;
      // two share a creation date, so the id breaks the tie
      const dates = ["2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:03.000Z", "2026-01-01T00:00:04.000Z"];
      const saved = dates.map((created) => execution({ namespace: ns, created, updated: created }));
      for (const e of saved) await repo.saveExecution(e);
      const expected = [...saved].sort((a, b) => (a.created === b.created ? (a.id < b.id ? 1 : -1) : a.created < b.created ? 1 : -1)).map((e) => e.id);
      const seen: string[] = [];
      let after: { created: string; id: string } | undefined;
      for (let i = 0; i < 3; i++) {
        const { results } = await repo.searchExecutions({ namespace: ns, after, page: 1, size: 2 });
        seen.push(...results.map((e) => e.id));
        const last = results.at(-1);
        if (!last) break;
        after = { created: last.created, id: last.id };
      }
      expect(seen).toEqual(expected);
      expect((await repo.searchExecutions({ namespace: ns, page: 1, size: 10 })).results.map((e) => e.id)).toEqual(expected);
    });
    test("searchExecutions counts exactly up to countUpTo, then says the total is an estimate", async () => {
      const ns = `c.count${Date.now()}`;
      for (let i = 0; i < 4; i++) await repo.saveExecution(execution({ namespace: ns }));
      const exact = await repo.searchExecutions({ namespace: ns, countUpTo: 10, page: 1, size: 1 });
      expect(exact.total).toBe(4);
      expect(exact.totalEstimated).toBeFalsy();
      const bounded = await repo.searchExecutions({ namespace: ns, countUpTo: 2, page: 1, size: 1 });
      expect(bounded.results).toHaveLength(1);
      // an implementation may always count exactly; an estimate is never below what it counted
      if (bounded.totalEstimated) expect(bounded.total).toBeGreaterThanOrEqual(3);
      else expect(bounded.total).toBe(4);
    });
    test("searchExecutions filters by start (startedAfter) and end (endedBefore, terminal only)", async () => {
      const ns = `c.dates${Date.now()}`;
      const early = execution({ namespace: ns, state: state("SUCCESS"), created: "2026-01-01T00:00:00.000Z", updated: "2026-01-01T00:05:00.000Z" });
      const late = execution({ namespace: ns, state: state("SUCCESS"), created: "2026-03-01T00:00:00.000Z", updated: "2026-03-01T00:05:00.000Z" });
      const running = execution({ namespace: ns, state: state("RUNNING"), created: "2026-01-02T00:00:00.000Z", updated: "2026-01-02T00:00:00.000Z" });
      for (const e of [early, late, running]) await repo.saveExecution(e);
      const ids = async (q: { startedAfter?: string; endedBefore?: string }) => (await repo.searchExecutions({ namespace: ns, ...q, page: 1, size: 10 })).results.map((e) => e.id).sort();
      expect(await ids({ startedAfter: "2026-01-02T00:00:00.000Z" })).toEqual([running.id, late.id].sort());
      expect(await ids({ endedBefore: "2026-02-01T00:00:00.000Z" })).toEqual([early.id]);
      expect(await ids({ startedAfter: "2026-01-01T00:00:00.000Z", endedBefore: "2026-12-31T00:00:00.000Z" })).toEqual([early.id, late.id].sort());
    });
    test("searchExecutions filters by labels: every one given, with exactly its value", async () => {
      const ns = `c.labels${Date.now()}`;
      const gold = execution({ namespace: ns, labels: { team: "data", tier: "gold", "odd key": "it's \"quoted\"" } });
      const silver = execution({ namespace: ns, labels: { team: "data", tier: "silver" } });
      const other = execution({ namespace: ns, labels: { team: "web" } });
      for (const e of [gold, silver, other]) await repo.saveExecution(e);
      const ids = async (labels: Record<string, string>) => (await repo.searchExecutions({ namespace: ns, labels, page: 1, size: 10 })).results.map((e) => e.id).sort();
      expect(await ids({ team: "data" })).toEqual([gold.id, silver.id].sort());
      expect(await ids({ team: "data", tier: "gold" })).toEqual([gold.id]);
      expect(await ids({ "odd key": "it's \"quoted\"" })).toEqual([gold.id]);
      expect(await ids({ team: "nomatch" })).toEqual([]);
      expect(await ids({ tier: "gol" })).toEqual([]);
      expect((await repo.searchExecutions({ namespace: ns, labels: { team: "data" }, page: 1, size: 10 })).total).toBe(2);
    });
    test("searchExecutions by labels alone: newest first by creation then id (not by id), by cursor or page, Loop iterations apart, in a time range, exact case, counted", async () => {
      const tag = `c.walk${Date.now()}`;
      const day = (d: number) => `2026-01-0${d}T00:00:00.000Z`;
      // ids made in this order, created in another: the search orders by creation
      const saved = [5, 1, 3, 3, 2].map((d, n) => execution({ namespace: `c.walk.n${n}`, state: state("SUCCESS"), created: day(d), updated: day(d), labels: { run: tag, n: String(n) } }));
      for (const e of saved) await repo.saveExecution(e);
      const iteration = execution({ namespace: "c.walk.loop", kind: "LOOP", parent: { executionId: saved[0]!.id, taskRunId: "tr" }, created: day(4), labels: { run: tag } });
      const upper = execution({ namespace: "c.walk.upper", created: day(4), labels: { run: tag.toUpperCase() } });
      await repo.saveExecution(iteration);
      await repo.saveExecution(upper);
      // labels written again (the rows replaced) keep the execution's place
      await repo.saveExecution({ ...saved[3]!, labels: { run: tag, n: "again" } });
      const expected = [...saved].sort((a, b) => (a.created === b.created ? (a.id < b.id ? 1 : -1) : a.created < b.created ? 1 : -1)).map((e) => e.id);
      const search = (q: Partial<Parameters<Repository["searchExecutions"]>[0]>) => repo.searchExecutions({ labels: { run: tag }, page: 1, size: 10, ...q });
      const ids = async (q: Partial<Parameters<Repository["searchExecutions"]>[0]>) => (await search(q)).results.map((e) => e.id);
      const all = await search({});
      expect(all.results.map((e) => e.id)).toEqual(expected);
      expect(all.total).toBe(5);
      const walked: string[] = [];
      let after: { created: string; id: string } | undefined;
      for (let i = 0; i < 4; i++) {
        const { results } = await search({ after, size: 2 });
        walked.push(...results.map((e) => e.id));
        const last = results.at(-1);
        if (!last) break;
        after = { created: last.created, id: last.id };
      }
      expect(walked).toEqual(expected);
      expect(await ids({ page: 2, size: 2 })).toEqual(expected.slice(2, 4));
      expect(await ids({ kind: "LOOP" })).toEqual([iteration.id]);
      expect(await ids({ labels: { run: tag.toUpperCase() } })).toEqual([upper.id]);
      expect(await ids({ labels: { run: tag, n: "2" } })).toEqual([saved[2]!.id]);
      expect(await ids({ labels: { run: tag, n: "3" } })).toEqual([]);
      expect(await ids({ labels: { run: tag, n: "again" } })).toEqual([saved[3]!.id]);
      expect(await ids({ startedAfter: day(2), endedBefore: "2026-01-03T12:00:00.000Z" })).toEqual(expected.filter((id) => [saved[2], saved[3], saved[4]].some((e) => e!.id === id)));
      const capped = await search({ countUpTo: 2, size: 1 });
      if (capped.totalEstimated) expect(capped.total).toBeGreaterThanOrEqual(3);
      else expect(capped.total).toBe(5);
      expect((await search({ countUpTo: 10, size: 1 })).total).toBe(5);
    });
    test("searchExecutions with a flow id takes the namespace exactly (a flow is named by both), without one its children too", async () => {
      const ns = `c.flowns${Date.now()}`;
      const parent = execution({ namespace: ns, flowId: "same" });
      const child = execution({ namespace: `${ns}.child`, flowId: "same" });
      for (const e of [parent, child]) await repo.saveExecution(e);
      expect((await repo.searchExecutions({ namespace: ns, flowId: "same", page: 1, size: 10 })).results.map((e) => e.id)).toEqual([parent.id]);
      expect((await repo.searchExecutions({ namespace: ns, page: 1, size: 10 })).results.map((e) => e.id).sort()).toEqual([parent.id, child.id].sort());
    });
    test("a namespace filter takes '_' literally, not as any character", async () => {
      const mine = execution({ namespace: "c.under_score.team" });
      const lookalike = execution({ namespace: "c.underXscore.team" });
      for (const e of [mine, lookalike]) await repo.saveExecution(e);
      const found = await repo.searchExecutions({ namespace: "c.under_score", page: 1, size: 10 });
      expect(found.results.map((e) => e.id)).toEqual([mine.id]);
    });
    test("listUnfinishedExecutions lists executions not yet terminal, with their state and last update", async () => {
      const running = execution({ state: state("RUNNING") });
      const done = execution({ state: state("SUCCESS") });
      await repo.saveExecution(running);
      await repo.saveExecution(done);
      const found = await repo.listUnfinishedExecutions();
      expect(found).toContainEqual({ id: running.id, state: "RUNNING", updated: running.updated });
      expect(found.map((e) => e.id)).not.toContain(done.id);
    });
    test("logs append in order and filter by task and minimum level", async () => {
      const e = execution();
      await repo.saveExecution(e);
      const base = { executionId: e.id, namespace: e.namespace, flowId: e.flowId, timestamp: now() };
      await repo.appendLogs([
        { ...base, taskId: "a", level: "DEBUG", message: "one" },
        { ...base, taskId: "a", level: "ERROR", message: "two ✓ unicode" },
        { ...base, taskId: "b", level: "INFO", message: "three" },
      ]);
      await repo.appendLogs([]);
      expect((await repo.findLogs(e.id)).map((l) => l.message)).toEqual(["one", "two ✓ unicode", "three"]);
      expect((await repo.findLogs(e.id, { taskId: "a" })).map((l) => l.message)).toEqual(["one", "two ✓ unicode"]);
      expect((await repo.findLogs(e.id, { minLevel: "INFO" })).map((l) => l.message)).toEqual(["two ✓ unicode", "three"]);
    });
    test("a log line with NUL is kept, the NUL shown as U+FFFD (PostgreSQL's text cannot hold it)", async () => {
      const e = execution();
      await repo.saveExecution(e);
      await repo.appendLogs([{ executionId: e.id, namespace: e.namespace, flowId: e.flowId, timestamp: now(), level: "INFO", message: "a\u0000b" }]);
      expect((await repo.findLogs(e.id)).map((l) => l.message)).toEqual(["a\uFFFDb"]);
    });
    test("secrets: saved, replaced, listed by namespace, deleted, and all replaced in one go", async () => {
      const record = (namespace: string, name: string, ciphertext: string) => ({ namespace, name, ciphertext, updated: now() });
      await repo.saveSecret(record("c.sec", "A", "cipher-a"));
      await repo.saveSecret(record("c.sec", "A", "cipher-a2"));
      await repo.saveSecret(record("c.sec", "B", "x".repeat(100_000)));
      await repo.saveSecret(record("c.sec.child", "A", "cipher-child"));
      expect((await repo.getSecret("c.sec", "A"))?.ciphertext).toBe("cipher-a2");
      expect(await repo.getSecret("c.sec", "NOPE")).toBeUndefined();
      expect((await repo.listSecrets("c.sec")).map((r) => r.name)).toEqual(["A", "B"]);
      expect((await repo.getSecret("c.sec", "B"))?.ciphertext.length).toBe(100_000);
      expect(await repo.deleteSecret("c.sec", "A")).toBe(true);
      expect(await repo.deleteSecret("c.sec", "A")).toBe(false);
      await repo.replaceSecrets([record("c.sec", "ONLY", "c1"), record("c.other", "TWO", "c2")]);
      expect((await repo.listSecrets()).map((r) => `${r.namespace}/${r.name}`)).toEqual(["c.other/TWO", "c.sec/ONLY"]);
    });
    test("kv metadata: saved, replaced, listed by prefix in key order, deleted", async () => {
      const record = (key: string, over: Record<string, unknown> = {}) => ({ namespace: "c.kv", key, type: "STRING" as const, valueUri: `ferry://c/kv/_kv/${key}`, created: now(), updated: now(), ...over });
      await repo.saveKv(record("b_2"));
      await repo.saveKv(record("a.1", { expires: "2030-01-01T00:00:00.000Z" }));
      await repo.saveKv(record("a.1", { type: "NUMBER" }));
      await repo.saveKv(record("a%x"));
      expect(await repo.getKv("c.kv", "a.1")).toMatchObject({ key: "a.1", type: "NUMBER", expires: undefined });
      expect(await repo.getKv("c.kv", "nope")).toBeUndefined();
      expect((await repo.listKv("c.kv")).map((r) => r.key)).toEqual(["a%x", "a.1", "b_2"]);
      expect((await repo.listKv("c.kv", "a.")).map((r) => r.key)).toEqual(["a.1"]);
      expect((await repo.listKv("c.kv", "a%")).map((r) => r.key)).toEqual(["a%x"]);
      expect((await repo.listKv("c.kv", "b_")).map((r) => r.key)).toEqual(["b_2"]);
      expect(await repo.listKv("c.other")).toEqual([]);
      expect(await repo.deleteKv("c.kv", "a.1")).toBe(true);
      expect(await repo.deleteKv("c.kv", "a.1")).toBe(false);
      await repo.saveFlow({ namespace: "c.ns.flows", id: "f", source: "x" });
      await repo.saveFlow({ namespace: "c.ns.gone", id: "f", source: "x" });
      await repo.deleteFlow("c.ns.gone", "f");
      const namespaces = await repo.listNamespaces();
      expect(namespaces).toEqual(expect.arrayContaining(["c.kv", "c.ns.flows"]));
      expect(namespaces).not.toContain("c.ns.gone");
      expect(namespaces).toEqual([...namespaces].sort());
    });
    test("connections: saved with their values as given, replaced keeping created, listed by id per namespace, deleted", async () => {
      const values = { host: "db.local", port: 5432, password: "{{ secret('DB_PASSWORD') }}", options: { ssl: true, hosts: ["a", "b"] } };
      const record = (id: string, over: Record<string, unknown> = {}) => ({ namespace: "c.conn", id, type: "postgres", values, created: now(), updated: now(), ...over });
      await repo.saveConnection(record("main_db", { description: "the main one", created: "2026-01-01T00:00:00.000Z" }));
      await repo.saveConnection(record("a_db"));
      await repo.saveConnection({ ...record("main_db"), values: { host: "db2" }, created: "2026-06-01T00:00:00.000Z", updated: "2026-06-01T00:00:00.000Z" });
      await repo.saveConnection(record("main_db", { namespace: "c.conn.child" }));
      expect(await repo.getConnection("c.conn", "main_db")).toEqual({
        namespace: "c.conn", id: "main_db", type: "postgres", values: { host: "db2" }, created: "2026-01-01T00:00:00.000Z", updated: "2026-06-01T00:00:00.000Z",
      });
      expect((await repo.getConnection("c.conn", "a_db"))?.values).toEqual(values);
      expect(await repo.getConnection("c.conn", "nope")).toBeUndefined();
      // a child's connection is its own: parents are walked by the caller
      expect(await repo.getConnection("c.conn.child", "a_db")).toBeUndefined();
      expect((await repo.listConnections("c.conn")).map((r) => r.id)).toEqual(["a_db", "main_db"]);
      expect((await repo.listConnections("c.conn.child")).map((r) => r.id)).toEqual(["main_db"]);
      expect(await repo.listNamespaces()).toEqual(expect.arrayContaining(["c.conn", "c.conn.child"]));
      expect(await repo.listConnections("c.other")).toEqual([]);
      const read = await repo.getConnection("c.conn", "a_db");
      (read!.values as Record<string, unknown>).host = "changed";
      expect((await repo.getConnection("c.conn", "a_db"))?.values.host).toBe("db.local");
      expect(await repo.deleteConnection("c.conn", "a_db")).toBe(true);
      expect(await repo.deleteConnection("c.conn", "a_db")).toBe(false);
      expect(await repo.getConnection("c.conn", "a_db")).toBeUndefined();
    });
    test("metrics append in order and filter by task run", async () => {
      const e = execution();
      await repo.saveExecution(e);
      const base = { executionId: e.id, namespace: e.namespace, flowId: e.flowId, timestamp: now() };
      await repo.appendMetrics([
        { ...base, taskId: "a", taskRunId: "r1", name: "rows", type: "counter", value: 3, tags: { source: "csv ✓" } },
        { ...base, taskId: "a", taskRunId: "r1", name: "duration", type: "timer", value: 0.25, tags: {} },
        { ...base, taskId: "b", taskRunId: "r2", name: "rows", type: "counter", value: 7, tags: {} },
      ]);
      await repo.appendMetrics([]);
      expect((await repo.findMetrics(e.id)).map((m) => `${m.taskId} ${m.name} ${m.value}`)).toEqual(["a rows 3", "a duration 0.25", "b rows 7"]);
      const [first] = await repo.findMetrics(e.id, { taskRunId: "r1" });
      expect(first).toEqual({ ...base, taskId: "a", taskRunId: "r1", name: "rows", type: "counter", value: 3, tags: { source: "csv ✓" } });
      expect(await repo.findMetrics(e.id, { taskId: "c" })).toEqual([]);
    });
    test("trigger state: created once, lastFire only moves forward, disabled survives fires", async () => {
      const ref = { namespace: "c.triggers", flowId: "f", triggerId: "every" };
      const first = await repo.initTriggerState({ ...ref, disabled: false, nextFire: "2026-01-01T00:00:01.000Z", updated: now() });
      expect(first).toMatchObject({ ...ref, disabled: false, nextFire: "2026-01-01T00:00:01.000Z" });
      const again = await repo.initTriggerState({ ...ref, disabled: true, nextFire: "2030-01-01T00:00:00.000Z", updated: now() });
      expect(again).toMatchObject({ disabled: false, nextFire: "2026-01-01T00:00:01.000Z" });
      await repo.recordTriggerFire(ref, "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:03.000Z");
      await repo.recordTriggerFire(ref, "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z");
      await repo.setTriggerDisabled(ref, true);
      await repo.recordTriggerFire(ref, "2026-01-01T00:00:03.000Z", "2026-01-01T00:00:04.000Z");
      const [state] = await repo.listTriggerStates({ namespace: "c.triggers", flowId: "f" });
      expect(state).toMatchObject({ ...ref, disabled: true, lastFire: "2026-01-01T00:00:03.000Z", nextFire: "2026-01-01T00:00:04.000Z" });
      expect((await repo.setTriggerDisabled({ ...ref, triggerId: "new" }, true)).disabled).toBe(true);
      expect((await repo.listTriggerStates({ namespace: "c" })).map((t) => t.triggerId).sort()).toEqual(["every", "new"]);
      expect(await repo.listTriggerStates({ namespace: "c.other" })).toEqual([]);
      await pause(5);
      const since = now();
      await pause(5);
      await repo.recordTriggerFire(ref, "2026-01-01T00:00:05.000Z", "2026-01-01T00:00:06.000Z");
      const changed = await repo.listTriggerStates({ namespace: "c.triggers", updatedAfter: since });
      expect(changed.map((t) => [t.triggerId, t.lastFire])).toEqual([["every", "2026-01-01T00:00:05.000Z"]]);
    });
    test("purges: only ended executions, by namespace, flow, state and dates, with task runs, logs and metrics as asked", async () => {
      const at = (iso: string) => ({ created: iso, updated: iso });
      const old = execution({ namespace: "c.purge", flowId: "a", state: state("SUCCESS"), ...at("2020-01-01T00:00:00.000Z") });
      const oldFailed = execution({ namespace: "c.purge.child", flowId: "a", state: state("FAILED"), ...at("2020-01-02T00:00:00.000Z") });
      const oldRunning = execution({ namespace: "c.purge", flowId: "a", state: state("RUNNING"), ...at("2020-01-01T00:00:00.000Z") });
      const recent = execution({ namespace: "c.purge", flowId: "a", state: state("SUCCESS"), ...at("2030-01-01T00:00:00.000Z") });
      const otherFlow = execution({ namespace: "c.purge", flowId: "b", state: state("SUCCESS"), ...at("2020-01-01T00:00:00.000Z") });
      for (const e of [old, oldFailed, oldRunning, recent, otherFlow]) await repo.saveExecution(e, [taskRun(e.id)]);
      const log = (e: ExecutionRecord, timestamp: string, level: "INFO" | "ERROR" = "INFO") =>
        ({ executionId: e.id, namespace: e.namespace, flowId: e.flowId, level, message: "m", timestamp });
      await repo.appendLogs([log(old, "2020-01-01T00:00:00.000Z"), log(old, "2020-01-01T00:00:01.000Z", "ERROR"), log(recent, "2030-01-01T00:00:00.000Z")]);
      await repo.appendMetrics([{ executionId: old.id, namespace: "c.purge", flowId: "a", taskId: "t1", taskRunId: "r", name: "n", type: "counter", value: 1, tags: {}, timestamp: now() }]);

      const before = "2021-01-01T00:00:00.000Z";
      const ids = (q: Parameters<Repository["findEndedExecutions"]>[0]) => repo.findEndedExecutions(q, 100).then((r) => r.map((e) => e.id));
      expect(await ids({ namespace: "c.purge", flowId: "a", endedBefore: before })).toEqual([old.id, oldFailed.id]);
      expect(await ids({ namespace: "c.purge", flowId: "a", endedBefore: before, states: ["FAILED", "RUNNING"] })).toEqual([oldFailed.id]);
      expect(await ids({ namespace: "c.purge", endedBefore: before, startedAfter: "2020-01-02T00:00:00.000Z" })).toEqual([oldFailed.id]);
      expect(await repo.findEndedExecutions({ namespace: "c.purge", endedBefore: before }, 1)).toHaveLength(1);

      // logs only: the executions stay
      expect(await repo.purgeExecutions([old.id], { executions: false, logs: true, metrics: false })).toEqual({ executions: 0, logs: 2, metrics: 0 });
      expect(await repo.getExecution(old.id)).toBeDefined();
      expect(await repo.purgeExecutions([old.id, oldRunning.id, otherFlow.id], { executions: true, logs: true, metrics: true })).toEqual({ executions: 2, logs: 0, metrics: 1 });
      expect(await repo.getExecution(old.id)).toBeUndefined();
      expect(await repo.getExecution(otherFlow.id)).toBeUndefined();
      expect((await repo.getExecution(oldRunning.id))?.taskRuns).toHaveLength(1);
      expect(await repo.findMetrics(old.id)).toEqual([]);
      expect(await repo.findLogs(recent.id)).toHaveLength(1);
      expect(await repo.purgeExecutions([], { executions: true, logs: true, metrics: true })).toEqual({ executions: 0, logs: 0, metrics: 0 });

      await repo.appendLogs([log(recent, "2020-06-01T00:00:00.000Z", "ERROR"), log(recent, "2020-06-01T00:00:00.000Z"), log(oldRunning, "2020-06-01T00:00:00.000Z")]);
      expect(await repo.purgeLogs({ namespace: "c.purge", flowId: "a", executionId: recent.id, levels: ["INFO"], before })).toBe(1);
      expect(await repo.purgeLogs({ namespace: "c.purge", before, after: "2020-06-01T00:00:00.000Z" })).toBe(2);
      expect((await repo.findLogs(recent.id)).map((l) => l.timestamp)).toEqual(["2030-01-01T00:00:00.000Z"]);
    });
    test("task cache: saved, replaced by key, deleted", async () => {
      const entry = { key: "k".repeat(64), namespace: "c.cache", flowId: "f", taskId: "t", outputsUri: "ferry://c/cache/f/executions/1/t.1.outputs.json", expires: "2030-01-01T00:00:00.000Z", created: now() };
      expect(await repo.getTaskCache(entry.key)).toBeUndefined();
      await repo.saveTaskCache(entry);
      expect(await repo.getTaskCache(entry.key)).toEqual(entry);
      await repo.saveTaskCache({ ...entry, outputsUri: "ferry://c/cache/f/executions/2/t.2.outputs.json" });
      expect((await repo.getTaskCache(entry.key))?.outputsUri).toBe("ferry://c/cache/f/executions/2/t.2.outputs.json");
      expect(await repo.deleteTaskCache(entry.key)).toBe(true);
      expect(await repo.deleteTaskCache(entry.key)).toBe(false);
    });
    test("claim: of concurrent claims of one key exactly one wins; an expired claim is free again", async () => {
      const later = new Date(Date.now() + 60_000).toISOString();
      const ids = Array.from({ length: 8 }, () => newId());
      const results = await Promise.all(ids.map((id) => repo.claim("schedule/c.claims/f/t/2026-01-01T00:00:00Z", id, later)));
      expect(results.filter((r) => r.won)).toHaveLength(1);
      const winner = results.find((r) => r.won)!.executionId;
      expect(ids).toContain(winner);
      expect(new Set(results.map((r) => r.executionId))).toEqual(new Set([winner]));
      const past = new Date(Date.now() - 1000).toISOString();
      expect(await repo.claim("webhook/short-lived", "a", past)).toEqual({ won: true, executionId: "a" });
      expect(await repo.claim("webhook/short-lived", "b", later)).toEqual({ won: true, executionId: "b" });
      await repo.claim("webhook/expired", "c", past);
      expect(await repo.deleteExpiredClaims(now())).toBeGreaterThanOrEqual(1);
      expect(await repo.claim("webhook/short-lived", "d", later)).toEqual({ won: false, executionId: "b" });
    });
    test("extendClaim: the holder moves its claim's expiry (twice in a row too); another caller, or a forgotten claim, is refused", async () => {
      const key = `history/lease-${newId()}`;
      const later = new Date(Date.now() + 60_000).toISOString();
      const past = new Date(Date.now() - 1000).toISOString();
      // claimed already expired: unextended, the next claim would take it
      expect(await repo.claim(key, "holder", past)).toEqual({ won: true, executionId: "holder" });
      expect(await repo.extendClaim(key, "other", later)).toBe(false);
      expect(await repo.extendClaim(key, "holder", later)).toBe(true);
      expect(await repo.extendClaim(key, "holder", later)).toBe(true);
      expect(await repo.claim(key, "other", later)).toEqual({ won: false, executionId: "holder" });
      await repo.claim(`${key}/gone`, "holder", past);
      await repo.deleteExpiredClaims(now());
      expect(await repo.extendClaim(`${key}/gone`, "holder", later)).toBe(false);
    });
    test("concurrency slots: of 20 concurrent acquirers under limit 3, exactly 3 hold a slot; the rest wait in line and move up as slots free", async () => {
      const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      const ids = Array.from({ length: 20 }, (_, i) => `slots-${String(i).padStart(2, "0")}-${newId()}`);
      const slot = (i: number) => ({ namespace: "c.slots", flowId: "limited", executionId: ids[i], limit: 3, queuedAt: at(i) });
      const results = await Promise.all(ids.map((_, i) => repo.acquireConcurrencySlot(slot(i), true)));
      expect(results.filter((r) => r === "running")).toHaveLength(3);
      expect(results.filter((r) => r === "waiting")).toHaveLength(17);
      const listed = await repo.listConcurrencySlots("c.slots", "limited");
      expect(listed.filter((s) => s.running)).toHaveLength(3);
      const line = listed.filter((s) => !s.running).map((s) => s.executionId);
      expect(line).toEqual([...line].sort()); // oldest queuedAt first (the ids sort as their queuedAt)
      // acquiring again answers what the execution has, and takes nothing more
      const holder = listed.find((s) => s.running)!.executionId;
      expect(await repo.acquireConcurrencySlot(slot(ids.indexOf(holder)), true)).toBe("running");
      expect(await repo.acquireConcurrencySlot(slot(ids.indexOf(line[1])), true)).toBe("waiting");
      expect((await repo.listConcurrencySlots("c.slots", "limited")).filter((s) => s.running)).toHaveLength(3);
      // a freed slot goes to the first in line, and to no one else
      expect(await repo.releaseConcurrencySlot(holder)).toEqual([line[0]]);
      expect(await repo.acquireConcurrencySlot(slot(ids.indexOf(line[1])), true)).toBe("waiting");
      expect(await repo.acquireConcurrencySlot(slot(ids.indexOf(line[0])), true)).toBe("running");
      expect((await repo.listConcurrencySlots("c.slots", "limited")).filter((s) => s.running)).toHaveLength(3);
      expect(await repo.releaseConcurrencySlot("never-held")).toEqual([]);
      // racing admissions for one freed slot: exactly one wins it
      const next = (await repo.listConcurrencySlots("c.slots", "limited")).find((s) => s.running)!.executionId;
      await repo.releaseConcurrencySlot(next);
      const raced = await Promise.all(line.slice(1).map((id) => repo.acquireConcurrencySlot(slot(ids.indexOf(id)), true)));
      expect(raced.filter((r) => r === "running")).toEqual(["running"]);
      expect(raced[0]).toBe("running"); // the oldest waiting, as the line says
    });
    test("concurrency slots: without waiting, no free slot is refused and leaves no trace; a newcomer never jumps the line", async () => {
      const slot = (executionId: string, second: number) => ({ namespace: "c.slots", flowId: "one", executionId, limit: 1, queuedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString() });
      expect(await repo.acquireConcurrencySlot(slot("one-a", 1), false)).toBe("running");
      expect(await repo.acquireConcurrencySlot(slot("one-b", 2), false)).toBe("refused");
      expect(await repo.acquireConcurrencySlot(slot("one-c", 3), true)).toBe("waiting");
      expect((await repo.listConcurrencySlots("c.slots", "one")).map((s) => [s.executionId, s.running])).toEqual([["one-a", true], ["one-c", false]]);
      expect(await repo.releaseConcurrencySlot("one-a")).toEqual(["one-c"]);
      // the slot is free, but one-c waits for it: later ones wait behind or are refused
      expect(await repo.acquireConcurrencySlot(slot("one-d", 4), true)).toBe("waiting");
      expect(await repo.acquireConcurrencySlot(slot("one-e", 5), false)).toBe("refused");
      expect(await repo.acquireConcurrencySlot(slot("one-c", 3), true)).toBe("running");
      // a waiting execution that leaves (killed) frees its place, not a slot
      expect(await repo.releaseConcurrencySlot("one-d")).toEqual([]);
      expect((await repo.listConcurrencySlots("c.slots", "one")).map((s) => s.executionId)).toEqual(["one-c"]);
    });
    test("concurrency slots: repair frees the slots of ended and vanished executions and names who may start", async () => {
      const ended = execution({ namespace: "c.repair", state: state("RUNNING") });
      const waiting = execution({ namespace: "c.repair", state: state("QUEUED") });
      await repo.saveExecution(ended);
      await repo.saveExecution(waiting);
      const slot = (executionId: string, second: number) => ({ namespace: "c.repair", flowId: "flow", executionId, limit: 1, queuedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString() });
      expect(await repo.acquireConcurrencySlot(slot(ended.id, 1), true)).toBe("running");
      expect(await repo.acquireConcurrencySlot(slot(waiting.id, 2), true)).toBe("waiting");
      expect((await repo.repairConcurrencySlots()).admissible).not.toContain(waiting.id);
      // the execution ended, but its release was lost (a crash between the save and the release)
      await repo.saveExecution({ ...ended, state: state("SUCCESS") });
      const repaired = await repo.repairConcurrencySlots();
      expect(repaired.released).toBeGreaterThanOrEqual(1);
      expect(repaired.admissible).toContain(waiting.id);
      expect(await repo.acquireConcurrencySlot(slot(waiting.id, 2), true)).toBe("running");
      // a slot whose execution is gone (deleted, purged) is freed too
      expect(await repo.acquireConcurrencySlot(slot("gone", 3), true)).toBe("waiting");
      await repo.saveExecution({ ...waiting, state: state("KILLED") });
      await repo.repairConcurrencySlots();
      expect(await repo.listConcurrencySlots("c.repair", "flow")).toEqual([]);
    });
    repositoryConcurrencyCases(test, () => repo);
    claimStartCases(test, () => repo);
  });
}
