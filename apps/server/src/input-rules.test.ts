import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "./server.test-support.js";

/**
 * Each input rule Ferry honours, through each way a value arrives: the API, a webhook (the
 * value rendered from the request's body) and a Subflow (deployed before its target, so the
 * run is what checks it). Each start is refused naming the input and the rule, and starts
 * nothing; a value that meets the rule starts.
 */
const NS = "rules.test";
const rules: Array<{ rule: string; input: string; bad: unknown; good: unknown; message: string }> = [
  { rule: "STRING validator", input: "{ id: x, type: STRING, validator: '^[a-z]+$', required: false }", bad: "Abc", good: "abc", message: "'Abc' does not match validator '^[a-z]+$'" },
  { rule: "INT min", input: "{ id: x, type: INT, min: 1, max: 10, required: false }", bad: 0, good: 1, message: "0 is less than min 1" },
  { rule: "INT max", input: "{ id: x, type: INT, min: 1, max: 10, required: false }", bad: 11, good: 10, message: "11 is more than max 10" },
  { rule: "FLOAT max", input: "{ id: x, type: FLOAT, min: 0.5, max: 1.5, required: false }", bad: 1.75, good: 1.5, message: "1.75 is more than max 1.5" },
  { rule: "DURATION min", input: "{ id: x, type: DURATION, min: PT1M, required: false }", bad: "PT30S", good: "PT1M", message: "PT30S is less than min PT1M" },
  { rule: "DATETIME before", input: "{ id: x, type: DATETIME, before: '2030-01-01T00:00:00Z', required: false }", bad: "2031-01-01T00:00:00Z", good: "2029-01-01T00:00:00Z", message: "2031-01-01T00:00:00Z is later than before 2030-01-01T00:00:00Z" },
  { rule: "DATE after", input: "{ id: x, type: DATE, after: '2024-01-01', required: false }", bad: "2023-12-31", good: "2024-01-01", message: "2023-12-31 is earlier than after 2024-01-01" },
  { rule: "TIME before", input: "{ id: x, type: TIME, before: '18:00', required: false }", bad: "19:30", good: "17:00", message: "19:30 is later than before 18:00" },
  { rule: "SELECT values", input: "{ id: x, type: SELECT, values: [small, large], required: false }", bad: "medium", good: "small", message: "'medium' is not one of the values small, large" },
  { rule: "MULTISELECT values", input: "{ id: x, type: MULTISELECT, values: [a, b], required: false }", bad: ["a", "c"], good: ["a", "b"], message: "'c' is not one of the values a, b" },
  { rule: "ARRAY itemType", input: "{ id: x, type: ARRAY, itemType: INT, required: false }", bad: [1, "two"], good: [1, 2], message: "item 1: 'two' is not an integer" },
  { rule: "FILE allowedFileExtensions", input: "{ id: x, type: FILE, allowedFileExtensions: ['.csv'], required: false }", bad: "nsfile:///report.pdf", good: "nsfile:///report.csv", message: "'report.pdf' has none of the allowedFileExtensions .csv" },
];

let t: TestFerry;
const json = { "content-type": "application/json" };
const executionsOf = async (flowId: string) => ((await (await t.api(`/executions/search?namespace=${NS}&flowId=${flowId}`)).json()) as { total: number }).total;

beforeAll(async () => {
  t = await startTestFerry();
  for (const [n, { input, bad }] of rules.entries()) {
    // the caller first: its target does not exist yet, so deploy takes the literal and the run checks it
    await t.deploy(`id: caller-${n}\nnamespace: ${NS}\ntasks:\n  - id: call\n    type: core.Subflow\n    namespace: ${NS}\n    flowId: target-${n}\n    inputs:\n      x: ${JSON.stringify(bad)}\n`);
    await t.deploy(`id: target-${n}
namespace: ${NS}
inputs:
  - ${input}
tasks:
  - { id: log, type: core.Log, message: "{{ inputs.x ?? 'none' }}" }
triggers:
  - id: hook
    type: core.trigger.Webhook
    key: hook-${n}
    inputs:
      x: "{{ trigger.body.x }}"
`);
  }
}, 120_000);
afterAll(async () => t?.close());

describe("each input rule on each way a value arrives", () => {
  for (const [n, { rule, bad, good, message }] of rules.entries()) {
    it(`${rule}: the API, a webhook and a Subflow refuse ${JSON.stringify(bad)} naming the rule; ${JSON.stringify(good)} starts`, async () => {
      const expected = `input 'x' (${rule.split(" ")[0]}): ${message}`;
      const api = await t.api(`/executions/${NS}/target-${n}`, { method: "POST", body: JSON.stringify({ x: bad }), headers: json });
      expect(api.status).toBe(422);
      expect(((await api.json()) as { errors: unknown }).errors).toEqual([{ path: "inputs.x", message: expected }]);

      const hook = await t.api(`/executions/webhook/${NS}/target-${n}/hook-${n}`, { method: "POST", body: JSON.stringify({ x: bad }), headers: json });
      expect(hook.status).toBe(422);
      expect(((await hook.json()) as { message: string }).message).toContain(expected);

      const caller = (await (await t.api(`/executions/${NS}/caller-${n}?wait=true`, { method: "POST" })).json()) as { id: string; state: { current: string } };
      expect(caller.state.current).toBe("FAILED");
      const logs = (await (await t.api(`/logs/${caller.id}`)).json()) as Array<{ taskId?: string; level: string; message: string }>;
      expect(logs).toContainEqual(expect.objectContaining({ taskId: "call", level: "ERROR", message: expect.stringContaining(expected) }));
      expect(await executionsOf(`target-${n}`)).toBe(0);

      const ok = await t.api(`/executions/webhook/${NS}/target-${n}/hook-${n}`, { method: "POST", body: JSON.stringify({ x: good }), headers: json });
      expect(ok.status, await ok.clone().text()).toBe(200);
      expect(await executionsOf(`target-${n}`)).toBe(1);
    });
  }

  it("required: a start that gives nothing for a required input without defaults is refused by each", async () => {
    await t.deploy(`id: needs\nnamespace: ${NS}\ninputs:\n  - { id: x, type: STRING }\ntasks:\n  - { id: log, type: core.Log, message: "{{ inputs.x }}" }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: needs-hook, inputs: { x: "{{ trigger.body.x ?? '' }}" } }\n`);
    const api = await t.api(`/executions/${NS}/needs`, { method: "POST", body: "{}", headers: json });
    expect(((await api.json()) as { errors: unknown }).errors).toEqual([{ path: "inputs.x", message: "input 'x' (STRING) is required" }]);
    const hook = await t.api(`/executions/webhook/${NS}/needs/needs-hook`, { method: "POST", body: "{}", headers: json });
    expect(hook.status).toBe(422);
    // a Subflow that gives nothing for it is refused at deploy, its target being there
    const caller = await t.api("/flows", { method: "POST", body: `id: needs-caller\nnamespace: ${NS}\ntasks:\n  - { id: call, type: core.Subflow, namespace: ${NS}, flowId: needs }\n`, headers: { "content-type": "application/x-yaml" } });
    expect(caller.status).toBe(422);
    expect(((await caller.json()) as { errors: unknown }).errors).toEqual([{ path: "tasks[0].inputs", message: `flow ${NS}.needs: input 'x' (STRING) is required: task 'call' gives no value for it`, line: 4 }]);
    expect(await executionsOf("needs")).toBe(0);
  });
});
