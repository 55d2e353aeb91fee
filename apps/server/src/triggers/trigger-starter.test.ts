import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlTestDatabase } from "../../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase } from "../../../../repository-backends/postgres/src/test-database.test-support.js";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { StartPendingError, onceKey } from "./trigger-starter.js";

/*
 * A once-only start is a claim, then a create. A holder killed between the two left the key
 * claimed for an execution that never existed, and every retry (the fire evaluated again, the
 * upstream end delivered again, the webhook said again) lost the claim and started nothing for the
 * claim's days. Now the claim says whether its execution was created, and one not created is
 * taken over once its holder's lease passed — under the holder's id, so a holder that wakes and
 * its taker make one execution; a created claim (its execution since purged, perhaps) never is.
 */
const backends: Array<[string, boolean, () => Promise<{ repository?: Record<string, unknown>; drop(): Promise<void> }>]> = [
  ["sqlite", true, async () => ({ drop: async () => undefined })],
  ["postgres", !!process.env.FERRY_TEST_POSTGRES_URL, async () => {
    const db = await createPostgresTestDatabase();
    return { repository: { type: "postgres", url: db.url }, drop: db.drop };
  }],
  ["mysql", !!process.env.FERRY_TEST_MYSQL_URL, async () => {
    const db = await createMysqlTestDatabase();
    return { repository: { type: "mysql", url: db.url }, drop: db.drop };
  }],
];

const flow = `id: once
namespace: starter.test
inputs:
  - { id: n, type: STRING, defaults: none }
tasks:
  - { id: log, type: core.Log, message: "fired at {{ trigger.date ?? inputs.n }}" }
triggers:
  - id: yearly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: hookkey
    wait: true
    inputs:
      n: "{{ trigger.body.n }}"
`;

const later = (ms: number) => new Date(Date.now() + ms).toISOString();
let round = 0;

describe.each(backends)("TriggerStarter: a once-only start on %s", (_name, enabled, database) => {
  let t: TestFerry;
  let db: Awaited<ReturnType<typeof database>>;
  beforeAll(async () => {
    if (!enabled) return;
    db = await database();
    t = await startTestFerry(db.repository ? { repository: db.repository } : {});
    await t.ferry.deps.triggers.scheduler.stop();
    await t.deploy(flow);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const setup = async () => {
    const { starter, index } = t.ferry.deps.triggers;
    const triggers = await index.of("starter.test", "once");
    const fire = `2${String(100 + round++).padStart(3, "0")}-01-01T00:00:00.000Z`;
    const key = `schedule:starter.test/once/yearly@${fire}`;
    const request = { variables: { date: fire }, once: { key, ttlMs: 60_000 } };
    return { starter, schedule: triggers.find((x) => x.spec.id === "yearly")!, hook: triggers.find((x) => x.spec.id === "hook")!, key, request, repository: t.ferry.deps.repository };
  };
  const count = async (n?: string) =>
    ((await (await t.api(`/executions/search?namespace=starter.test&flowId=once&size=100`)).json()) as { results: Array<{ id: string; trigger?: { variables?: { date?: string } } }> }).results.filter(
      (e) => n === undefined || e.trigger?.variables?.date === n,
    ).length;

  it.runIf(enabled)("whose holder died before its create is started by a retry once the lease passed, under the holder's id, once however often it is asked", async () => {
    const { starter, schedule, key, request, repository } = await setup();
    // the holder: claimed, then killed before its create (its lease already passed)
    expect(await repository.claimStart(onceKey(key), "deadholder0000000001", later(60_000), later(-1_000))).toEqual({ won: true, executionId: "deadholder0000000001" });
    const results = await Promise.all([starter.start(schedule, request), starter.start(schedule, request), starter.start(schedule, request)]);
    expect(results.filter((r) => r.started)).toHaveLength(1);
    for (const result of results) expect(result.started ? result.execution.id : result.executionId).toBe("deadholder0000000001");
    expect(await starter.start(schedule, request)).toEqual({ started: false, executionId: "deadholder0000000001" });
    expect((await t.waitForEnd("deadholder0000000001")).state.current).toBe("SUCCESS");
    expect(await count(request.variables.date)).toBe(1);
  });

  it.runIf(enabled)("whose holder is still within its lease is waited on: a holder that creates is answered, nothing started twice", async () => {
    const { starter, schedule, key, request, repository } = await setup();
    const holder = "liveholder0000000001";
    await repository.claimStart(onceKey(key), holder, later(60_000), later(5_000));
    // the tick's caller does not wait: it evaluates the fire again next tick
    await expect(starter.start(schedule, { ...request, pendingWaitMs: 0 })).rejects.toBeInstanceOf(StartPendingError);
    const waiting = starter.start(schedule, request);
    await new Promise((r) => setTimeout(r, 300));
    // the holder creates (with its own trigger variables), then says so
    await t.ferry.deps.executions.createNew({ flow: schedule.flow, id: holder, inputs: {}, trigger: { id: "yearly", type: schedule.spec.type, variables: request.variables } });
    await repository.claimCreated(onceKey(key), holder);
    expect(await waiting).toEqual({ started: false, executionId: holder });
    expect(await count(request.variables.date)).toBe(1);
  });

  it.runIf(enabled)("taken over from a holder stalled past its lease: the holder that wakes and creates writes nothing, one execution, the taker's", async () => {
    const { starter, hook, key, repository } = await setup();
    const holder = "stalledholder0000001";
    await repository.claimStart(onceKey(key), holder, later(60_000), later(-1_000));
    const taken = await starter.start(hook, { variables: { body: { n: "taker" } }, once: { key, ttlMs: 60_000 } });
    expect(taken.started && taken.execution.id).toBe(holder);
    // the holder wakes and goes on with its create, its own variables
    const late = await t.ferry.deps.executions.createNew({ flow: hook.flow, id: holder, inputs: { n: "holder" }, trigger: { id: "hook", type: hook.spec.type, variables: { body: { n: "holder" } } } });
    expect(late.inserted).toBe(false);
    await repository.claimCreated(onceKey(key), holder);
    const ended = (await (await t.api(`/executions/${holder}`)).json()) as { inputs: { n: string }; trigger: { variables: { body: { n: string } } } };
    expect(ended.inputs.n).toBe("taker");
    expect(ended.trigger.variables.body.n).toBe("taker");
  });

  it.runIf(enabled)("created, its claim unsaid (the database away at that moment): answered started, and the next caller finds the execution and says it", async () => {
    const { starter, schedule, key, request, repository } = await setup();
    const say = repository.claimCreated;
    repository.claimCreated = async () => {
      throw new Error("the database is out of reach");
    };
    let first;
    try {
      first = await starter.start(schedule, request);
    } finally {
      repository.claimCreated = say;
    }
    if (!first.started) throw new Error("not started");
    expect(await starter.start(schedule, request)).toEqual({ started: false, executionId: first.execution.id });
    expect(await repository.claimStart(onceKey(key), "late", later(60_000), later(60_000))).toEqual({ won: false, executionId: first.execution.id });
  });

  it.runIf(enabled)("whose execution was created and since purged is not started again; nor one claimed before the created marker existed", async () => {
    const { starter, schedule, key, request, repository } = await setup();
    const first = await starter.start(schedule, request);
    if (!first.started) throw new Error("not started");
    await t.waitForEnd(first.execution.id);
    expect((await t.api(`/executions/${first.execution.id}`, { method: "DELETE" })).status).toBeLessThan(300);
    expect(await repository.getExecution(first.execution.id)).toBeUndefined();
    expect(await starter.start(schedule, request)).toEqual({ started: false, executionId: first.execution.id });
    // a row main wrote (claim(): no pending marker) with no execution: used, as it always meant
    const old = `${key}/old`;
    await repository.claim(onceKey(old), "oldholder00000000001", later(60_000));
    expect(await starter.start(schedule, { ...request, once: { key: old, ttlMs: 60_000 } })).toEqual({ started: false, executionId: "oldholder00000000001" });
  });

  it.runIf(enabled)("a Flow trigger's start whose holder died: the upstream end delivered again starts it, once, under the holder's id", async () => {
    const up = `up${round++}`;
    await t.deploy(`id: ${up}\nnamespace: starter.test\ntasks:\n  - { id: log, type: core.Log, message: up }\n`);
    const upstream = (await (await t.api(`/executions/starter.test/${up}?wait=true`, { method: "POST" })).json()) as { id: string; state: { current: string } };
    expect(upstream.state.current).toBe("SUCCESS");
    const down = `down_${up}`;
    await t.deploy(`id: ${down}\nnamespace: starter.test\ntasks:\n  - { id: log, type: core.Log, message: "{{ trigger.executionId }}" }\ntriggers:\n  - { id: t, type: io.kestra.plugin.core.trigger.Flow, states: [SUCCESS], conditions: [{ type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: starter.test, flowId: ${up} }] }\n`);
    const holder = "flowholder0000000001";
    await t.ferry.deps.repository.claimStart(onceKey(`flow:starter.test/${down}/t<-${upstream.id}`), holder, later(60_000), later(-1_000));
    const end = { executionId: upstream.id, namespace: "starter.test", flowId: up, state: "SUCCESS" as const, entered: [{ state: "SUCCESS" as const, transition: 3 }] };
    const downstream = async () => ((await (await t.api(`/executions/search?namespace=starter.test&flowId=${down}`)).json()) as { results: Array<{ id: string }> }).results.map((e) => e.id);
    t.ferry.deps.events.emit("execution", end);
    await expect.poll(downstream, { timeout: 10_000, interval: 100 }).toEqual([holder]);
    t.ferry.deps.events.emit("execution", end);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await downstream()).toEqual([holder]);
  });

  it.runIf(enabled)("a webhook with wait said again after its holder died is answered with the execution at its end, under the holder's id", async () => {
    const idempotency = `order-${round++}`;
    const key = `webhook:starter.test/once/hook#${idempotency}`;
    const holder = "webhookholder0000001";
    await t.ferry.deps.repository.claimStart(onceKey(key), holder, later(60_000), later(-1_000));
    const response = await t.api("/executions/webhook/starter.test/once/hookkey", { method: "POST", body: JSON.stringify({ n: "again" }), headers: { "content-type": "application/json", "idempotency-key": idempotency } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string; state: { current: string } };
    expect(body).toMatchObject({ id: holder, state: { current: "SUCCESS" } });
    const repeat = await t.api("/executions/webhook/starter.test/once/hookkey", { method: "POST", body: JSON.stringify({ n: "third" }), headers: { "content-type": "application/json", "idempotency-key": idempotency } });
    expect(repeat.headers.get("idempotent-replayed")).toBe("true");
    expect(((await repeat.json()) as { id: string }).id).toBe(holder);
  });
});
