import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createMysqlTestDatabase } from "../../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase } from "../../../../repository-backends/postgres/src/test-database.test-support.js";
import { startFerry, type FerryServer } from "../ferry.js";

/*
 * Kestra 2.0's Flow trigger `mode: ANY`: each upstream execution that satisfies an entry starts its
 * own downstream execution. Two upstream ends applied in the same instant (two executor threads,
 * two server replicas) must start two, as they do one after the other — each result claimed on its
 * own in the repository, whichever database holds the claims.
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

const upstream = (id: string) => `id: ${id}
namespace: race.test
tasks:
  - { id: out, type: core.OutputValues, values: { v: "${id}" } }
outputs:
  - { id: from, type: STRING, value: "{{ outputs.out.values.v }}" }
`;
const downstream = `id: any_of
namespace: race.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.flowId }}" }
triggers:
  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    mode: ANY
    states: [SUCCESS]
    dependsOn:
      - { namespace: race.test, flowId: flow_a }
      - { namespace: race.test, flowId: flow_b }
`;

async function withServer(repository: Record<string, unknown> | undefined, body: (ferry: FerryServer) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "ferry-any-race-"));
  const config = configSchema.parse({ server: { port: 0 }, ...(repository ? { repository } : {}) });
  const ferry = await startFerry({ config, baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
  try {
    await body(ferry);
  } finally {
    await ferry.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe.each(backends)("Flow trigger mode ANY on %s", (_name, enabled, database) => {
  it.runIf(enabled)("two upstream ends in the same instant start two downstream executions, each once", async () => {
    const db = await database();
    try {
      await withServer(db.repository, async (ferry) => {
        const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
        const deploy = async (source: string) => expect((await api("/flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
        const run = async (flowId: string) => (await (await api(`/executions/race.test/${flowId}?wait=true`, { method: "POST" })).json()) as { id: string; state: { current: string } };
        const downstreamRuns = async () =>
          ((await (await api("/executions/search?namespace=race.test&flowId=any_of&size=100")).json()) as { results: Array<{ trigger: { variables: Record<string, unknown> } }> }).results;
        for (const id of ["flow_a", "flow_b"]) await deploy(upstream(id));
        // the upstreams end before the trigger exists; their ends are then applied together, in one turn
        const a = await run("flow_a");
        const b = await run("flow_b");
        expect([a.state.current, b.state.current]).toEqual(["SUCCESS", "SUCCESS"]);
        await deploy(downstream);
        const end = (id: string, flowId: string) => ({ executionId: id, namespace: "race.test", flowId, state: "SUCCESS" as const, entered: [{ state: "SUCCESS" as const, transition: 3 }] });
        const applyBoth = () => {
          ferry.deps.events.emit("execution", end(a.id, "flow_a"));
          ferry.deps.events.emit("execution", end(b.id, "flow_b"));
        };
        applyBoth();
        await expect.poll(async () => (await downstreamRuns()).length, { timeout: 10_000, interval: 100 }).toBe(2);
        // each start saw its own upstream
        const started = await downstreamRuns();
        expect(started.map((e) => e.trigger.variables.executionId).sort()).toEqual([a.id, b.id].sort());
        expect(Object.fromEntries(started.map((e) => [e.trigger.variables.flowId, e.trigger.variables.outputs]))).toEqual({
          flow_a: { flow_a: { from: "flow_a" } },
          flow_b: { flow_b: { from: "flow_b" } },
        });
        // the same two ends applied again (redelivered, another replica) start nothing more
        applyBoth();
        await new Promise((r) => setTimeout(r, 1500));
        expect(await downstreamRuns()).toHaveLength(2);
      });
    } finally {
      await db.drop();
    }
  }, 60_000);
});

describe("a Flow trigger whose when cannot be evaluated", () => {
  it("starts nothing and writes Kestra's 'Evaluate Condition Failed' WARN line into the upstream execution's logs, secrets masked", async () => {
    process.env.SECRET_RACE_PW = Buffer.from("hunter2-SECRET").toString("base64");
    await withServer(undefined, async (ferry) => {
      const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
      const deploy = async (source: string) => expect((await api("/flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
      await deploy(upstream("flow_a"));
      await deploy(`id: broken_when
namespace: race.test
tasks:
  - { id: log, type: core.Log, message: never }
triggers:
  - id: t
    type: io.kestra.plugin.core.trigger.Flow
    when: "{{ outputs.nope.value == 1 }}"
    dependsOn:
      - { namespace: race.test, flowId: flow_a }
  - id: entry
    type: io.kestra.plugin.core.trigger.Flow
    dependsOn:
      - { namespace: race.test, flowId: flow_a, when: "{{ 1 / 0 }}" }
  - id: secretive
    type: io.kestra.plugin.core.trigger.Flow
    when: "{{ secret('RACE_PW') | number }}"
    dependsOn:
      - { namespace: race.test, flowId: flow_a }
`);
      const a = (await (await api("/executions/race.test/flow_a?wait=true", { method: "POST" })).json()) as { id: string };
      const warnings = async () =>
        ((await (await api(`/logs/${a.id}?minLevel=WARN`)).json()) as Array<{ level: string; message: string; taskId?: string }>).filter((l) => l.message.includes("Evaluate Condition Failed"));
      await expect.poll(async () => (await warnings()).length, { timeout: 10_000, interval: 100 }).toBe(3);
      const lines = (await warnings()).map((l) => l.message).sort();
      // what secret() gave is masked in the stored line (a review found "'hunter2-SECRET' is not a valid number" in it)
      const secretive = lines.splice(lines.findIndex((l) => l.includes("[trigger: secretive]")), 1)[0]!;
      expect(secretive).toMatch(/Evaluate Condition Failed with error '.+'$/);
      expect(secretive).not.toContain("hunter2");
      expect(lines[0]).toMatch(/^\[namespace: race\.test\] \[flow: broken_when\] \[trigger: entry\] \[condition: race\.test~flow_a\] Evaluate Condition Failed with error '.+'$/);
      expect(lines[1]).toMatch(/^\[namespace: race\.test\] \[flow: broken_when\] \[trigger: t\] \[condition: when: \{\{ outputs\.nope\.value == 1 \}\}\] Evaluate Condition Failed with error '.*nope.*'$/);
      expect((await warnings()).every((l) => l.level === "WARN" && l.taskId === undefined)).toBe(true);
      const started = (await (await api("/executions/search?namespace=race.test&flowId=broken_when")).json()) as { results: unknown[] };
      expect(started.results).toHaveLength(0);
    }).finally(() => delete process.env.SECRET_RACE_PW);
  }, 60_000);
});
