import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "./server.test-support.js";

/**
 * An input's rules hold on every way an execution starts: each goes through the same
 * ExecutionService.validate, and a refused start creates no execution.
 */
let t: TestFerry;
const json = { "content-type": "application/json" };
const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const executionsOf = async (flowId: string) => ((await (await t.api(`/executions/search?namespace=constraints.test&flowId=${flowId}`)).json()) as { total: number }).total;
const TOO_OLD = "input 'age' (INT): 150 is more than max 120";

beforeAll(async () => {
  t = await startTestFerry();
  // deployed before the flow it calls exists: nothing to check it against yet, so its run checks
  await t.deploy(`id: parent
namespace: constraints.test
tasks:
  - id: call
    type: core.Subflow
    namespace: constraints.test
    flowId: people
    inputs:
      age: 150
`);
  await t.deploy(`id: people
namespace: constraints.test
inputs:
  - { id: age, type: INT, min: 0, max: 120 }
  - { id: name, type: STRING, validator: "[A-Z][a-z]+", defaults: Ada }
tasks:
  - { id: greet, type: core.OutputValues, values: { line: "{{ inputs.name }} is {{ inputs.age }}" } }
triggers:
  - id: hook
    type: core.trigger.Webhook
    key: people-hook
    inputs:
      age: "{{ trigger.body.age }}"
`);
  await t.deploy(`id: source
namespace: constraints.test
inputs:
  - { id: age, type: INT }
tasks:
  - { id: log, type: core.Log, message: "{{ inputs.age }}" }
outputs:
  - { id: age, type: INT, value: "{{ inputs.age }}" }
`);
  await t.deploy(`id: adults
namespace: constraints.test
inputs:
  - { id: age, type: INT, min: 18, max: 120 }
tasks:
  - { id: log, type: core.Log, message: "{{ inputs.age }}" }
triggers:
  - id: after-source
    type: core.trigger.Flow
    inputs:
      age: "{{ trigger.outputs.age }}"
    preconditions:
      flows:
        - { namespace: constraints.test, flowId: source, states: [SUCCESS] }
`);
});
afterAll(async () => t?.close());

describe("input rules on every start", () => {
  it("API: 422 naming the input and the rule, and no execution", async () => {
    const before = await executionsOf("people");
    const refused = await answer(await t.api("/executions/constraints.test/people", { method: "POST", body: JSON.stringify({ age: 150 }), headers: json }));
    expect(refused.status).toBe(422);
    expect(refused.body.message).toBe(`invalid inputs: ${TOO_OLD}`);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: "inputs.age", message: TOO_OLD })]);
    const form = new FormData();
    form.set("age", "30");
    form.set("name", "ada");
    const badName = await answer(await t.api("/executions/constraints.test/people", { method: "POST", body: form }));
    expect(badName.status).toBe(422);
    expect(badName.body.errors).toEqual([expect.objectContaining({ path: "inputs.name", message: "input 'name' (STRING): 'ada' does not match validator '[A-Z][a-z]+'" })]);
    expect(await executionsOf("people")).toBe(before);

    const ok = await answer(await t.api("/executions/constraints.test/people?wait=true", { method: "POST", body: JSON.stringify({ age: 120 }), headers: json }));
    expect(ok.status).toBe(200);
    expect(ok.body.state.current).toBe("SUCCESS");
    expect(ok.body.inputs).toEqual({ age: 120, name: "Ada" });
  });

  it("webhook: the inputs its trigger builds meet the rules, or 422 and no execution", async () => {
    const before = await executionsOf("people");
    const refused = await answer(await t.api("/executions/webhook/constraints.test/people/people-hook", { method: "POST", body: JSON.stringify({ age: 150 }), headers: json }));
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(TOO_OLD);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: "inputs.age", message: TOO_OLD })]);
    expect(await executionsOf("people")).toBe(before);

    const ok = await answer(await t.api("/executions/webhook/constraints.test/people/people-hook", { method: "POST", body: JSON.stringify({ age: 40 }), headers: json }));
    expect(ok.status).toBe(200);
    expect(await executionsOf("people")).toBe(before + 1);
  });

  it("Subflow deployed before its target: the parent's task fails with the rule, and no child execution", async () => {
    const before = await executionsOf("people");
    const parent = (await (await t.api("/executions/constraints.test/parent?wait=true", { method: "POST" })).json()) as any;
    expect(parent.state.current).toBe("FAILED");
    expect(parent.taskRunList).toEqual([expect.objectContaining({ taskId: "call", state: expect.objectContaining({ current: "FAILED" }) })]);
    const logs = (await (await t.api(`/logs/${parent.id}`)).json()) as Array<{ taskId?: string; level: string; message: string }>;
    expect(logs).toContainEqual(expect.objectContaining({ taskId: "call", level: "ERROR", message: expect.stringContaining(TOO_OLD) }));
    expect(await executionsOf("people")).toBe(before);
  });

  it("Subflow deployed once its target exists: literal inputs that break a rule are 422 with path and line, through the API and its validate", async () => {
    const source = "id: caller\nnamespace: constraints.test\ntasks:\n  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: constraints.test\n    flowId: people\n    inputs:\n      age: 150\n      name: bob\n";
    const refused = await answer(await t.api("/flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } }));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      { path: "tasks[0].inputs.age", message: `flow constraints.test.people: ${TOO_OLD}`, line: 9 },
      { path: "tasks[0].inputs.name", message: "flow constraints.test.people: input 'name' (STRING): 'bob' does not match validator '[A-Z][a-z]+'", line: 10 },
    ]);
    expect((await t.api("/flows/constraints.test/caller")).status).toBe(404);
    const validated = await answer(await t.api("/flows/validate", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } }));
    expect(validated.body).toEqual([expect.objectContaining({ constraints: expect.stringContaining(TOO_OLD), errors: refused.body.errors })]);
    // a required input nobody gives is refused the same way; templated values are the run's to check
    const missing = await answer(await t.api("/flows", { method: "POST", body: source.replace(/ {6}age: 150\n {6}name: bob\n/, "      name: Grace\n"), headers: { "content-type": "application/x-yaml" } }));
    expect(missing.body.errors).toEqual([{ path: "tasks[0].inputs", message: "flow constraints.test.people: input 'age' (INT) is required: task 'call' gives no value for it", line: 9 }]);
    await t.deploy(source.replace("age: 150", 'age: "{{ 150 }}"').replace("name: bob", "name: Bob"));
  });

  it("Subflow whose target does not exist at run: the task fails naming the flow", async () => {
    await t.deploy("id: orphan\nnamespace: constraints.test\ntasks:\n  - { id: call, type: core.Subflow, namespace: constraints.test, flowId: nowhere, inputs: { age: 150 } }\n");
    const run = (await (await t.api("/executions/constraints.test/orphan?wait=true", { method: "POST" })).json()) as any;
    expect(run.state.current).toBe("FAILED");
    const logs = (await (await t.api(`/logs/${run.id}`)).json()) as Array<{ taskId?: string; level: string; message: string }>;
    expect(logs).toContainEqual(expect.objectContaining({ taskId: "call", level: "ERROR", message: "flow constraints.test.nowhere not found" }));
  });

  it("Flow trigger: an upstream output that breaks the rule starts nothing", async () => {
    const run = (age: number) => t.api("/executions/constraints.test/source?wait=true", { method: "POST", body: JSON.stringify({ age }), headers: json });
    expect((await run(150)).status).toBe(200);
    expect((await run(40)).status).toBe(200);
    const end = Date.now() + 5000;
    while ((await executionsOf("adults")) < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const started = ((await (await t.api("/executions/search?namespace=constraints.test&flowId=adults")).json()) as { results: any[] }).results;
    expect(started.map((e) => e.inputs)).toEqual([{ age: 40 }]);
  });

  it("deploy: a default that breaks its own rule is 422 with its path and line", async () => {
    const source = "id: bad-default\nnamespace: constraints.test\ninputs:\n  - id: age\n    type: INT\n    max: 100\n    defaults: 200\ntasks:\n  - { id: log, type: core.Log, message: hi }\n";
    const refused = await answer(await t.api("/flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } }));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([{ path: "inputs[0].defaults", message: "input 'age' (INT): the default 200 is more than max 100", line: 7 }]);
  });
});
