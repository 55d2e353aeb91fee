import { newId, type ExecutionRecord, type Repository } from "@ferry/sdk";
import { expect } from "vitest";

type FlowSaved = Awaited<ReturnType<Repository["saveFlow"]>>;

/** how many writers each race starts at once */
const WRITERS = 20;
const writers = <T>(write: (i: number) => Promise<T>) => Promise.allSettled(Array.from({ length: WRITERS }, (_, i) => write(i)));
const now = () => new Date().toISOString();

/** the reasons of the rejected, each expected to carry one of these HTTP statuses (a 409, never a driver error) */
function expectOnlyStatuses(results: PromiseSettledResult<unknown>[], statuses: number[]): void {
  for (const result of results) {
    if (result.status === "rejected") expect(statuses, String(result.reason)).toContain((result.reason as { status?: number }).status);
  }
}
const fulfilled = <T>(results: PromiseSettledResult<T>[]) => results.filter((r): r is PromiseFulfilledResult<T> => r.status === "fulfilled").map((r) => r.value);
const rejected = (results: PromiseSettledResult<unknown>[]) => results.filter((r) => r.status === "rejected");

/**
 * Races of 20 writers on one record, for every write path of the Repository: each write
 * succeeds (or is refused where the interface says so), and the record ends as one writer
 * left it. Called by the repository contract; `repo` gives the instance under test.
 */
export function repositoryConcurrencyCases(test: (name: string, fn: () => Promise<void>) => void, repo: () => Repository): void {
  test("20 concurrent first saves of one flow: each saved as its own revision, 1 to 20", async () => {
    const results = await writers((i) => repo().saveFlow({ namespace: "c.conc", id: "first", source: `id: first\n# writer ${i}\n` }));
    expect(rejected(results)).toEqual([]);
    const revisions = await repo().listFlowRevisions("c.conc", "first");
    expect(revisions.map((r) => r.revision)).toEqual(Array.from({ length: WRITERS }, (_, i) => i + 1));
    expect(new Set(revisions.map((r) => r.source)).size).toBe(WRITERS);
    expect(fulfilled(results).filter((r) => r.created)).toHaveLength(1);
  });

  test("20 concurrent updates of one flow: a revision for each changed source, none lost, none failed", async () => {
    await repo().saveFlow({ namespace: "c.conc", id: "upd", source: "v-start" });
    // ten sources, each sent twice: of each pair one changes the flow, or both when another came between
    const results = await writers((i) => repo().saveFlow({ namespace: "c.conc", id: "upd", source: `v${i % 10}` }, { only: "update" }));
    expect(rejected(results)).toEqual([]);
    const changed = fulfilled(results).filter((r) => r.changed);
    const revisions = await repo().listFlowRevisions("c.conc", "upd");
    expect(revisions.map((r) => r.revision)).toEqual(Array.from({ length: revisions.length }, (_, i) => i + 1));
    expect(revisions.length).toBe(1 + changed.length);
    expect(changed.map((r) => r.flow.revision).sort((a, b) => a - b)).toEqual(revisions.slice(1).map((r) => r.revision));
    expect((await repo().getFlow("c.conc", "upd"))?.source).toBe(revisions.at(-1)!.source);
  });

  test("20 concurrent creates of one flow: one created, the others refused with 409, one revision", async () => {
    const results = await writers((i) => repo().saveFlow({ namespace: "c.conc", id: "create", source: `id: create\n# writer ${i}\n` }, { only: "create" }));
    expectOnlyStatuses(results, [409]);
    expect(fulfilled(results)).toHaveLength(1);
    expect(fulfilled(results)[0]).toMatchObject({ created: true, flow: { revision: 1 } });
    expect(await repo().listFlowRevisions("c.conc", "create")).toHaveLength(1);
    await expect(repo().saveFlow({ namespace: "c.conc", id: "missing", source: "x" }, { only: "update" })).rejects.toMatchObject({ status: 404 });
    expect(await repo().getFlow("c.conc", "missing")).toBeUndefined();
  });

  test("20 concurrent inserts of one new execution: one written, the others refused as taken (409), its task runs the winner's", async () => {
    const id = newId();
    const stamp = now();
    const results = await writers((i) =>
      repo().insertExecution(
        { id, namespace: "c.conc", flowId: "insert", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: stamp }], startDate: stamp }, labels: { writer: String(i) }, created: stamp, updated: stamp, version: 1 },
        [{ id: `${id}-run-${i}`, executionId: id, taskId: `t${i}`, state: { current: "QUEUED", histories: [{ state: "QUEUED", date: stamp }], startDate: stamp }, attempts: [] }],
      ).then(() => i),
    );
    expectOnlyStatuses(results, [409]);
    const won = fulfilled(results);
    expect(won).toHaveLength(1);
    const stored = (await repo().getExecution(id))!;
    expect(stored.execution.labels).toEqual({ writer: String(won[0]) });
    expect(stored.taskRuns.map((t) => t.taskId)).toEqual([`t${won[0]}`]);
    expect(stored.execution.version).toBe(1);
  });

  test("10 saves racing 10 purges of every revision (PurgeFlows): the latest is never deleted, no save lost or renumbered", async () => {
    for (const source of ["p1", "p2", "p3"]) await repo().saveFlow({ namespace: "c.conc", id: "purge", source });
    const everyRevision = Array.from({ length: 40 }, (_, i) => i + 1);
    type Outcome = { saved: FlowSaved } | { deleted: number };
    const results = await writers((i): Promise<Outcome> =>
      i % 2 === 0
        ? repo().saveFlow({ namespace: "c.conc", id: "purge", source: `s${i}` }).then((saved) => ({ saved }))
        : repo().deleteFlowRevisions("c.conc", "purge", everyRevision).then((deleted) => ({ deleted })),
    );
    expect(rejected(results)).toEqual([]);
    // a purge never deletes the revision it reads as latest, so the highest revision only grows
    // and each save (each a new source) gets the next number, as without the purges
    const saves = fulfilled(results).flatMap((r) => ("saved" in r ? [r.saved.flow] : []));
    expect(saves.map((f) => f.revision).sort((a, b) => a - b)).toEqual(Array.from({ length: WRITERS / 2 }, (_, i) => i + 4));
    const newest = saves.reduce((a, b) => (b.revision > a.revision ? b : a));
    const latest = await repo().getFlow("c.conc", "purge");
    expect(latest).toMatchObject({ revision: newest.revision, source: newest.source });
    expect((await repo().listFlowRevisions("c.conc", "purge")).at(-1)?.revision).toBe(newest.revision);
    // once the writers are done, a purge of everything leaves the latest alone
    await repo().deleteFlowRevisions("c.conc", "purge", everyRevision);
    expect((await repo().listFlowRevisions("c.conc", "purge")).map((r) => r.revision)).toEqual([newest.revision]);
  });

  test("20 concurrent deletes of one flow: exactly one deletes it", async () => {
    await repo().saveFlow({ namespace: "c.conc", id: "del", source: "x" });
    const results = await writers(() => repo().deleteFlow("c.conc", "del"));
    expect(fulfilled(results).filter(Boolean)).toHaveLength(1);
    expect(await repo().getFlow("c.conc", "del")).toBeUndefined();
  });

  test("20 concurrent first writes, then 20 updates, of one KV key: all stored, the key ends as one of them", async () => {
    const record = (i: number, round: string) => ({ namespace: "c.conc", key: "k", type: "STRING" as const, valueUri: `ferry://c/conc/_kv/k/${round}${i}`, created: `2026-01-01T00:00:${String(i).padStart(2, "0")}.000Z`, updated: now() });
    for (const round of ["first", "update"]) {
      const results = await writers((i) => repo().saveKv(record(i, round)));
      expect(rejected(results)).toEqual([]);
      expect(fulfilled(results).every(Boolean)).toBe(true);
      const stored = await repo().getKv("c.conc", "k");
      expect(Array.from({ length: WRITERS }, (_, i) => record(i, round).valueUri)).toContain(stored?.valueUri);
      expect(await repo().listKv("c.conc", "k")).toHaveLength(1);
    }
    // the first write's creation date stays through replacements
    expect(Array.from({ length: WRITERS }, (_, i) => record(i, "first").created)).toContain((await repo().getKv("c.conc", "k"))?.created);
  });

  test("KV compare-and-set: of 20 writers expecting the same state exactly one wins, and its value is stored", async () => {
    const record = (i: number) => ({ namespace: "c.conc", key: "cas", type: "STRING" as const, valueUri: `ferry://c/conc/_kv/cas/${i}`, created: now(), updated: now() });
    const creates = await writers((i) => repo().saveKv(record(i), { ifValueUri: null }));
    expect(rejected(creates)).toEqual([]);
    const created = fulfilled(creates).flatMap((won, i) => (won ? [i] : []));
    expect(created).toHaveLength(1);
    expect((await repo().getKv("c.conc", "cas"))?.valueUri).toBe(record(created[0]!).valueUri);
    const updates = await writers((i) => repo().saveKv(record(100 + i), { ifValueUri: record(created[0]!).valueUri }));
    const updated = fulfilled(updates).flatMap((won, i) => (won ? [100 + i] : []));
    expect(updated).toHaveLength(1);
    expect((await repo().getKv("c.conc", "cas"))?.valueUri).toBe(record(updated[0]!).valueUri);
    // a delete that expects a replaced value removes nothing; the right one removes it once
    expect(await repo().deleteKv("c.conc", "cas", { ifValueUri: record(created[0]!).valueUri })).toBe(false);
    const deletes = await writers(() => repo().deleteKv("c.conc", "cas", { ifValueUri: record(updated[0]!).valueUri }));
    expect(fulfilled(deletes).filter(Boolean)).toHaveLength(1);
    expect(await repo().getKv("c.conc", "cas")).toBeUndefined();
  });

  test("20 concurrent saves of one secret, new then existing: all stored, it ends as one of them", async () => {
    for (const round of ["new", "again"]) {
      const results = await writers((i) => repo().saveSecret({ namespace: "c.conc", name: "S", ciphertext: `${round}-${i}`, updated: now() }));
      expect(rejected(results)).toEqual([]);
      expect(Array.from({ length: WRITERS }, (_, i) => `${round}-${i}`)).toContain((await repo().getSecret("c.conc", "S"))?.ciphertext);
      expect((await repo().listSecrets("c.conc")).filter((s) => s.name === "S")).toHaveLength(1);
    }
  });

  test("20 concurrent saves of one task cache key: all stored, it ends as one of them", async () => {
    const entry = (i: number) => ({ key: "conc-cache", namespace: "c.conc", flowId: "f", taskId: "t", outputsUri: `ferry://c/conc/f/executions/${i}/t.outputs.json`, expires: "2030-01-01T00:00:00.000Z", created: now() });
    const results = await writers((i) => repo().saveTaskCache(entry(i)));
    expect(rejected(results)).toEqual([]);
    expect(Array.from({ length: WRITERS }, (_, i) => entry(i).outputsUri)).toContain((await repo().getTaskCache("conc-cache"))?.outputsUri);
  });

  test("trigger races: one state created of 20, the latest of 20 fires kept, disabled set by one of 20 and kept through fires", async () => {
    const ref = { namespace: "c.conc", flowId: "f", triggerId: "t" };
    const inits = await writers((i) => repo().initTriggerState({ ...ref, disabled: false, nextFire: `2026-01-01T00:00:${String(i).padStart(2, "0")}.000Z`, updated: now() }));
    expect(rejected(inits)).toEqual([]);
    const states = fulfilled(inits);
    expect(new Set(states.map((s) => s.nextFire)).size).toBe(1);
    const fire = (i: number) => `2026-01-02T00:00:${String(i).padStart(2, "0")}.000Z`;
    const fires = await writers((i) => (i % 2 ? repo().recordTriggerFire(ref, fire(i), fire(i + 1)) : repo().setTriggerDisabled(ref, i % 4 === 0).then(() => undefined)));
    expect(rejected(fires)).toEqual([]);
    const [state] = await repo().listTriggerStates({ namespace: "c.conc", flowId: "f" });
    const last = WRITERS - 1;
    expect(state).toMatchObject({ ...ref, lastFire: fire(last), nextFire: fire(last + 1) });
    expect(typeof state!.disabled).toBe("boolean");
    const disabled = await repo().setTriggerDisabled(ref, true);
    await writers((i) => repo().recordTriggerFire(ref, `2026-01-03T00:00:${String(i).padStart(2, "0")}.000Z`));
    expect(disabled.disabled).toBe(true);
    expect((await repo().listTriggerStates({ namespace: "c.conc", flowId: "f" }))[0]?.disabled).toBe(true);
  });

  test("20 concurrent saves of one connection, new then existing: all stored, it ends as one of them, its first created kept", async () => {
    for (const round of ["new", "existing"]) {
      const results = await writers((i) =>
        repo().saveConnection({ namespace: "c.conc", id: "conn", type: "http", values: { url: `http://${round}-${i}` }, created: `${round}-${i}`, updated: now() }),
      );
      expect(rejected(results)).toEqual([]);
      const stored = await repo().getConnection("c.conc", "conn");
      expect(Array.from({ length: WRITERS }, (_, i) => `http://${round}-${i}`)).toContain(stored?.values.url);
      expect(stored?.created).toMatch(/^new-/);
      expect((await repo().listConnections("c.conc")).filter((c) => c.id === "conn")).toHaveLength(1);
    }
  });

  test("20 concurrent claims of one key: exactly one wins, every caller learns it", async () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    const ids = Array.from({ length: WRITERS }, () => newId());
    const results = await Promise.all(ids.map((id) => repo().claim("conc/claim", id, later)));
    expect(results.filter((r) => r.won)).toHaveLength(1);
    expect(new Set(results.map((r) => r.executionId)).size).toBe(1);
  });

  test("20 concurrent log and metric appends: every entry kept", async () => {
    const e = { id: newId(), namespace: "c.conc", flowId: "f" };
    const results = await writers((i) =>
      Promise.all([
        repo().appendLogs(Array.from({ length: 5 }, (_, j) => ({ executionId: e.id, namespace: e.namespace, flowId: e.flowId, level: "INFO" as const, message: `${i}.${j}`, timestamp: now() }))),
        repo().appendMetrics(Array.from({ length: 5 }, (_, j) => ({ executionId: e.id, namespace: e.namespace, flowId: e.flowId, taskId: "t", taskRunId: "r", name: `m${i}.${j}`, type: "counter" as const, value: 1, tags: {}, timestamp: now() }))),
      ]),
    );
    expect(rejected(results)).toEqual([]);
    expect((await repo().findLogs(e.id)).map((l) => l.message).sort()).toEqual(Array.from({ length: WRITERS * 5 }, (_, k) => `${Math.floor(k / 5)}.${k % 5}`).sort());
    expect(await repo().findMetrics(e.id)).toHaveLength(WRITERS * 5);
  });

  test("20 concurrent versioned saves of one execution: one wins, the others refused with 409, version + 1", async () => {
    const state = (current: "CREATED" | "RUNNING") => ({ current, histories: [{ state: current, date: now() }], startDate: now() });
    const execution: ExecutionRecord = { id: newId(), namespace: "c.conc", flowId: "f", flowRevision: 1, state: state("CREATED"), labels: {}, created: now(), updated: now() };
    // unversioned first saves of a new execution with its task run: all upserts, none fails
    const firsts = await writers(() => repo().saveExecution(execution, [{ id: `${execution.id}-r`, executionId: execution.id, taskId: "t", state: state("CREATED"), attempts: [] }]));
    expect(rejected(firsts)).toEqual([]);
    const results = await writers((i) => repo().saveExecution({ ...execution, state: state("RUNNING"), labels: { writer: String(i) } }, [], { expectedVersion: 0 }));
    expectOnlyStatuses(results, [409]);
    const winners = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(winners).toHaveLength(1);
    const saved = await repo().getExecution(execution.id);
    expect(saved?.execution).toMatchObject({ version: 1, labels: { writer: String(winners[0]) } });
    expect(saved?.taskRuns).toHaveLength(1);
  });

  // A server database's repository may write the saves (and inserts) of several executions asked
  // for together as one transaction (group commit): each still keeps its own outcome.
  const running = (id: string, labels: Record<string, string> = {}): ExecutionRecord => {
    const stamp = now();
    return { id, namespace: "c.conc", flowId: "neighbours", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: stamp }], startDate: stamp }, labels, created: stamp, updated: stamp, version: 1 };
  };
  const queuedRun = (executionId: string, taskId: string) => {
    const stamp = now();
    return { id: `${executionId}-${taskId}`, executionId, taskId, state: { current: "QUEUED" as const, histories: [{ state: "QUEUED" as const, date: stamp }], startDate: stamp }, attempts: [] };
  };

  test("versioned saves of 20 executions at once, 5 at a stale version: those 5 refused (409) with nothing written, the 15 others saved with their task runs", async () => {
    const ids = Array.from({ length: WRITERS }, () => newId());
    expect(rejected(await writers((i) => repo().insertExecution(running(ids[i]!), [queuedRun(ids[i]!, "first")])))).toEqual([]);
    const stale = (i: number) => i % 4 === 1;
    // half change their labels, half keep them (a dialect may write those two kinds differently)
    const labels = (i: number): Record<string, string> => (i % 2 ? {} : { saved: String(i) });
    const results = await writers((i) =>
      repo().saveExecution({ ...running(ids[i]!, labels(i)), version: 1 }, [queuedRun(ids[i]!, "second")], { expectedVersion: stale(i) ? 0 : 1 }),
    );
    results.forEach((r, i) => expect(r.status, `save ${i}`).toBe(stale(i) ? "rejected" : "fulfilled"));
    expectOnlyStatuses(results, [409]);
    for (const [i, id] of ids.entries()) {
      const stored = (await repo().getExecution(id))!;
      if (stale(i)) {
        expect(stored.execution).toMatchObject({ version: 1, labels: {} });
        expect(stored.taskRuns.map((t) => t.taskId)).toEqual(["first"]);
      } else {
        expect(stored.execution).toMatchObject({ version: 2, labels: labels(i) });
        expect(stored.taskRuns.map((t) => t.taskId).sort()).toEqual(["first", "second"]);
      }
    }
  });

  test("inserts of 20 new executions at once, 3 of their ids taken: those 3 refused (409) leaving the stored ones as they were, the 17 others written", async () => {
    const ids = Array.from({ length: WRITERS }, () => newId());
    const taken = (i: number) => i % 7 === 3;
    for (const [i, id] of ids.entries()) if (taken(i)) await repo().insertExecution(running(id, { first: "yes" }), [queuedRun(id, "before")]);
    const results = await writers((i) => repo().insertExecution(running(ids[i]!, { writer: String(i) }), [queuedRun(ids[i]!, `t${i}`)]));
    results.forEach((r, i) => expect(r.status, `insert ${i}`).toBe(taken(i) ? "rejected" : "fulfilled"));
    expectOnlyStatuses(results, [409]);
    for (const [i, id] of ids.entries()) {
      const stored = (await repo().getExecution(id))!;
      expect(stored.execution.labels).toEqual(taken(i) ? { first: "yes" } : { writer: String(i) });
      expect(stored.taskRuns.map((t) => t.taskId)).toEqual([taken(i) ? "before" : `t${i}`]);
    }
  });
}
