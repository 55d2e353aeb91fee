import corePlugin from "@ferry/plugin-core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlowForDeploy } from "./deploy-flow.js";
import { parseFlow } from "./parse-flow.js";

const registry = new PluginRegistry([corePlugin]);
const people = `id: people
namespace: lit.test
inputs:
  - { id: age, type: INT, min: 0, max: 120 }
  - { id: name, type: STRING, validator: "[A-Z][a-z]+", defaults: Ada }
tasks:
  - { id: log, type: core.Log, message: "{{ inputs.name }}" }
`;
const refusal = async (attempt: () => unknown) => {
  const error = await Promise.resolve().then(attempt).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return { message: (error as UserError).message, errors: (error as UserError).errors };
};

describe("literal trigger inputs at deploy", () => {
  const withTrigger = (trigger: string) => `${people}triggers:\n${trigger}`;

  it("a value that breaks its input's rule is 422 on its own path and line, for Schedule and Webhook triggers", async () => {
    const schedule = withTrigger("  - id: nightly\n    type: core.trigger.Schedule\n    cron: '0 2 * * *'\n    inputs:\n      age: 150\n      name: bob\n");
    expect((await refusal(() => parseFlow(schedule, registry))).errors).toEqual([
      { path: "triggers[0].inputs.age", message: "input 'age' (INT): 150 is more than max 120", line: 13 },
      { path: "triggers[0].inputs.name", message: "input 'name' (STRING): 'bob' does not match validator '[A-Z][a-z]+'", line: 14 },
    ]);
    const webhook = withTrigger("  - { id: hook, type: core.trigger.Webhook, key: k, inputs: { age: old } }\n");
    expect((await refusal(() => parseFlow(webhook, registry))).errors).toEqual([{ path: "triggers[0].inputs.age", message: "input 'age' (INT): 'old' is not an integer", line: 9 }]);
  });

  // FlowValidator.inputsSuppliedBy answers only for Schedule and AbstractWebhookTrigger: Kestra deploys these,
  // and the Flow trigger's start is what fails, when it fires
  it("a Flow trigger's inputs are not judged at deploy, given or missing, as Kestra's FlowValidator does not judge them", () => {
    const wrong = withTrigger("  - id: after\n    type: core.trigger.Flow\n    preconditions: { flows: [{ namespace: lit.test, flowId: other }] }\n    inputs: { age: -1 }\n");
    expect(parseFlow(wrong, registry).triggers?.[0].inputs).toEqual({ age: -1 });
    const missing = withTrigger("  - id: after\n    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - { type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: lit.test, flowId: other }\n");
    expect(parseFlow(missing, registry).triggers?.map((t) => t.id)).toEqual(["after"]);
  });

  it("a required input without defaults the trigger does not give is refused, as Kestra's FlowValidator refuses it", async () => {
    const schedule = withTrigger("  - { id: nightly, type: core.trigger.Schedule, cron: '0 2 * * *' }\n");
    expect((await refusal(() => parseFlow(schedule, registry))).errors).toEqual([
      { path: "triggers[0].inputs", message: "input 'age' (INT) is required: trigger 'nightly' gives no value for it", line: 9 },
    ]);
  });

  it("templated values are the run's to check; valid literals pass", () => {
    expect(() => parseFlow(withTrigger("  - { id: hook, type: core.trigger.Webhook, key: k, inputs: { age: '{{ trigger.body.age }}', name: '{{ trigger.body.name }}' } }\n"), registry)).not.toThrow();
    expect(() => parseFlow(withTrigger("  - { id: nightly, type: core.trigger.Schedule, cron: '0 2 * * *', inputs: { age: 42 } }\n"), registry)).not.toThrow();
    expect(() => parseFlow(withTrigger("  - { id: nightly, type: core.trigger.Schedule, cron: '0 2 * * *', inputs: { age: '120' } }\n"), registry)).not.toThrow();
  });
});

describe("literal Subflow inputs at deploy", () => {
  const parent = (inputs: string, task = "core.Subflow") => `id: parent
namespace: lit.test
tasks:
  - id: outer
    type: core.Sequential
    tasks:
      - id: call
        type: ${task}
        namespace: lit.test
        flowId: people
        inputs:
${inputs}`;
  const lookup = async (namespace: string, flowId: string) => (namespace === "lit.test" && flowId === "people" ? parseFlow(people, registry) : undefined);

  it("checked against the target flow's rules when the target exists: 422 with path, line and the target named", async () => {
    const refused = await refusal(() => parseFlowForDeploy(parent("          age: 150\n"), registry, lookup));
    expect(refused.errors).toEqual([{ path: "tasks[0].tasks[0].inputs.age", message: "flow lit.test.people: input 'age' (INT): 150 is more than max 120", line: 12 }]);
    expect(refused.message).toBe("invalid flow: flow lit.test.people: input 'age' (INT): 150 is more than max 120 (tasks[0].tasks[0].inputs.age, line 12)");
    const missing = await refusal(() => parseFlowForDeploy(parent("          name: Grace\n", "io.kestra.plugin.core.flow.Subflow"), registry, lookup));
    expect(missing.errors).toEqual([{ path: "tasks[0].tasks[0].inputs", message: "flow lit.test.people: input 'age' (INT) is required: task 'call' gives no value for it", line: 12 }]);
  });

  it("accepted when the target does not exist yet (the run checks), when the values are templates, and when they meet the rules", async () => {
    const nothing = async () => undefined;
    await expect(parseFlowForDeploy(parent("          age: 150\n"), registry, nothing)).resolves.toMatchObject({ id: "parent" });
    await expect(parseFlowForDeploy(parent("          age: \"{{ 150 }}\"\n"), registry, lookup)).resolves.toMatchObject({ id: "parent" });
    await expect(parseFlowForDeploy(parent("          age: 120\n"), registry, lookup)).resolves.toMatchObject({ id: "parent" });
  });

  it("a Subflow of the flow itself is refused before its inputs are read, as Kestra refuses a recursive call", async () => {
    const recursive = `${people}  - { id: again, type: core.Subflow, namespace: lit.test, flowId: people, inputs: { age: 200 } }\n`;
    expect((await refusal(() => parseFlowForDeploy(recursive, registry, async () => undefined))).errors).toEqual([
      { path: "tasks[1]", message: "Recursive call to flow [lit.test.people]", line: 8 },
    ]);
  });
});
