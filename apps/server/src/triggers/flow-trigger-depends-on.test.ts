import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../ferry.js";

/*
 * Kestra 2.0's Flow trigger (docs: migration-guide/v2.0.0/trigger-conditions-redesign): `dependsOn`
 * entries, `mode` ALL / ANY / AT_LEAST with `minSatisfied`, `window` (lookback, fireOnce), `when` on
 * the trigger and on an entry, and `trigger.outputs.<flowId>.<key>`. Run on a real server whose
 * folder outlives a restart, so that what a dependsOn window met is shown to survive one.
 */
let dir: string;
let ferry: FerryServer;
const start = async () => {
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
};
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const deploy = async (source: string) => {
  const response = await api("/flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } });
  if (response.status !== 200) throw new Error(`deploy: HTTP ${response.status} ${await response.text()}`);
};
const refusal = async (triggerYaml: string) => {
  const response = await api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: `id: bad_dep\nnamespace: dep.test\ntasks:\n  - { id: l, type: core.Log, message: x }\ntriggers:\n  - id: f\n${triggerYaml}` });
  return { status: response.status, text: JSON.stringify(await response.json()) };
};
const executionsOf = async (flowId: string) =>
  ((await (await api(`/executions/search?namespace=dep.test&flowId=${flowId}&size=100`)).json()) as { results: any[] }).results;
const run = async (flowId: string, inputs: Record<string, unknown> = {}) =>
  (await (await api(`/executions/dep.test/${flowId}?wait=true`, { method: "POST", body: JSON.stringify(inputs), headers: { "content-type": "application/json" } })).json()) as any;
/** flow triggers run after the end is saved: give them a moment */
const settle = () => new Promise((r) => setTimeout(r, 700));
const upstream = (id: string) => `id: ${id}
namespace: dep.test
inputs:
  - { id: fail, type: BOOL, defaults: false }
tasks:
  - { id: out, type: core.OutputValues, values: { v: "${id}" } }
  - { id: maybe, type: core.If, condition: "{{ inputs.fail }}", then: [{ id: boom, type: core.Fail }] }
outputs:
  - { id: rows, type: STRING, value: "{{ outputs.out.values.v }}-rows" }
`;
const downstream = (id: string, trigger: string, message = "{{ trigger.flowId }}") => `id: ${id}
namespace: dep.test
tasks:
  - { id: log, type: core.Log, message: "${message}" }
triggers:
  - id: t
    type: io.kestra.plugin.core.trigger.Flow
${trigger}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-depends-on-"));
  await start();
  for (const id of ["flow_a", "flow_b", "flow_c"]) await deploy(upstream(id));
  await deploy(downstream("all_of", `    dependsOn:
      - { namespace: dep.test, flowId: flow_a, states: [SUCCESS] }
      - { namespace: dep.test, flowId: flow_b, states: [SUCCESS] }
`));
  await deploy(downstream("any_of", `    mode: ANY
    states: [SUCCESS]
    dependsOn:
      - { namespace: dep.test, flowId: flow_a }
      - { namespace: dep.test, flowId: flow_b }
`));
  await deploy(downstream("two_of_three", `    mode: AT_LEAST
    minSatisfied: 2
    dependsOn:
      - { namespace: dep.test, flowId: flow_a, states: [SUCCESS] }
      - { namespace: dep.test, flowId: flow_b, states: [SUCCESS] }
      - { namespace: dep.test, flowId: flow_c, states: [SUCCESS] }
`));
  await deploy(downstream("when_on_trigger", `    mode: ANY
    when: "{{ flowId == 'flow_b' and trigger.state == 'SUCCESS' }}"
    dependsOn:
      - { namespace: dep.test, flowId: flow_a }
      - { namespace: dep.test, flowId: flow_b }
`));
  await deploy(downstream("failures_in_ns", `    dependsOn:
      - states: [FAILED]
        when: "{{ namespace | startsWith('dep.') }}"
`));
  // Kestra's migration tool moves a 1.x trigger's `states: [RUNNING]` onto the entry (blueprint flow-condition-executionflow)
  await deploy(downstream("on_running", `    dependsOn:
      - { namespace: dep.test, flowId: flow_c, states: [RUNNING] }
`, "{{ trigger.state }}"));
  await deploy(downstream("once_per_window", `    window: { lookback: PT1H, fireOnce: true }
    dependsOn:
      - { namespace: dep.test, flowId: flow_c, states: [SUCCESS], when: "{{ outputs.rows == 'flow_c-rows' and not hasRetryAttempt }}" }
`));
});
afterAll(async () => {
  await ferry?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("Kestra 2.0 Flow trigger: dependsOn, mode, window, when", () => {
  it("mode ALL starts once both upstream flows met their entry, outputs scoped by flow id, and what was met survives a server restart", async () => {
    await run("flow_a");
    await settle();
    expect(await executionsOf("all_of")).toHaveLength(0);
    await ferry.close();
    await start();
    await run("flow_b", { fail: true });
    await settle();
    expect(await executionsOf("all_of")).toHaveLength(0);
    await run("flow_b");
    await settle();
    const started = await executionsOf("all_of");
    expect(started).toHaveLength(1);
    expect(started[0].trigger.variables).toMatchObject({ flowId: "flow_b", outputs: { flow_a: { rows: "flow_a-rows" }, flow_b: { rows: "flow_b-rows" } } });
    // two dependencies: no unscoped shorthand
    expect(started[0].trigger.variables.outputs.rows).toBeUndefined();
    // the results reset once it started: flow_b again starts nothing until flow_a comes again
    await run("flow_b");
    await settle();
    expect(await executionsOf("all_of")).toHaveLength(1);
  });

  it("mode ANY starts on each upstream success; AT_LEAST 2 of 3 waits for a second flow", async () => {
    const any = await executionsOf("any_of");
    // flow_a once, flow_b twice (SUCCESS) so far; flow_b's FAILED is not in the trigger's states
    expect(any).toHaveLength(3);
    expect(any.map((e) => e.trigger.variables.flowId).sort()).toEqual(["flow_a", "flow_b", "flow_b"]);
    // flow_a and flow_b met two entries: started once, then reset; one flow_b since is one entry of two
    expect(await executionsOf("two_of_three")).toHaveLength(1);
    await run("flow_c");
    await settle();
    expect(await executionsOf("two_of_three")).toHaveLength(2);
  });

  it("a trigger-level when filters each upstream execution; an entry's when sees the upstream namespace", async () => {
    const started = await executionsOf("when_on_trigger");
    expect(started.length).toBeGreaterThan(0);
    expect(started.every((e) => e.trigger.variables.flowId === "flow_b" && e.trigger.variables.state === "SUCCESS")).toBe(true);
    const failures = await executionsOf("failures_in_ns");
    expect(failures.map((e) => e.trigger.variables.flowId)).toEqual(["flow_b"]);
  });

  it("a single entry keeps the unscoped trigger.outputs shorthand, its when sees the flow outputs; window.fireOnce starts once per window", async () => {
    await run("flow_c");
    await settle();
    const once = await executionsOf("once_per_window");
    expect(once).toHaveLength(1);
    expect(once[0].trigger.variables.outputs).toEqual({ rows: "flow_c-rows", flow_c: { rows: "flow_c-rows" } });
  });

  it("an entry's states decide when the trigger writes none: an entry naming RUNNING starts on each upstream start", async () => {
    const running = await executionsOf("on_running");
    expect(running).toHaveLength(2);
    expect(running.every((e) => e.trigger.variables.state === "RUNNING")).toBe(true);
  });

  it("is refused at deploy where Kestra 2.0's rules are broken", async () => {
    const noMin = await refusal("    type: io.kestra.plugin.core.trigger.Flow\n    mode: AT_LEAST\n    dependsOn: [{ flowId: a, namespace: n }]\n");
    expect(noMin.status).toBe(422);
    expect(noMin.text).toContain("mode AT_LEAST needs minSatisfied");
    const tooMany = await refusal("    type: io.kestra.plugin.core.trigger.Flow\n    mode: AT_LEAST\n    minSatisfied: 3\n    dependsOn: [{ flowId: a, namespace: n }, { flowId: b, namespace: n }]\n");
    expect(tooMany.text).toContain("minSatisfied is at most the number of dependsOn entries (2)");
    const twoGroups = await refusal("    type: io.kestra.plugin.core.trigger.Flow\n    window: { deadline: '09:00:00', lookback: PT1H }\n    dependsOn: [{ flowId: a, namespace: n }]\n");
    expect(twoGroups.text).toContain("not deadline and lookback together");
    const both = await refusal("    type: io.kestra.plugin.core.trigger.Flow\n    preconditions: { flows: [{ namespace: n, flowId: a }] }\n    dependsOn: [{ flowId: a, namespace: n }]\n");
    expect(both.text).toContain("replaces preconditions");
    const windowAlone = await refusal("    type: io.kestra.plugin.core.trigger.Flow\n    window: { every: P1D }\n");
    expect(windowAlone.text).toContain("window applies to dependsOn entries");
    const onMiss = await refusal("    type: io.kestra.plugin.core.trigger.Flow\n    dependsOn: [{ flowId: a, namespace: n }]\n    window: { deadline: '09:00:00' }\n    onMiss: { behavior: FAIL }\n");
    expect(onMiss.text).toContain("not supported by Ferry yet: onMiss");
    const badWhen = await refusal("    type: io.kestra.plugin.core.trigger.Flow\n    when: \"{{ nosuchfunction() }}\"\n    dependsOn: [{ flowId: a, namespace: n }]\n");
    expect(badWhen.status).toBe(422);
    expect(badWhen.text).toContain("triggers[0].when");
  });
});
