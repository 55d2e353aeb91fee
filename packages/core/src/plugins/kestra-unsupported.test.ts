import corePlugin from "@ferry/plugin-core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { parseFlow } from "../flow/parse-flow.js";
import { PluginRegistry } from "./registry.js";

const registry = new PluginRegistry([corePlugin]);

function refusal(source: string): Array<{ path: string; message: string }> {
  try {
    parseFlow(source, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).errors as Array<{ path: string; message: string }>;
  }
  throw new Error("expected the flow to be refused");
}

describe("Kestra core types Ferry does not run yet", () => {
  it("a task of one is refused naming it as Kestra's, with what to use instead", () => {
    const errors = refusal(`id: template\nnamespace: company.team\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.flow.Template\n    templateId: x\n    namespace: company.team\n`);
    expect(errors).toContainEqual(expect.objectContaining({ path: "tasks[0].type", message: expect.stringMatching(/^Kestra's io\.kestra\.plugin\.core\.flow\.Template is not supported by Ferry yet: .*Subflow/) }));
  });

  it("the Template task's pre-0.17 name (Kestra's flows/templates/ and flows/tests/with-template.yaml) is refused by name too", () => {
    const errors = refusal(`id: with-failed-template\nnamespace: io.kestra.tests\ntasks:\n  - id: template\n    type: io.kestra.core.tasks.flows.Template\n    namespace: io.kestra.tests\n    templateId: invalid\n`);
    expect(errors).toEqual([expect.objectContaining({ path: "tasks[0].type", message: expect.stringMatching(/^Kestra's io\.kestra\.core\.tasks\.flows\.Template is not supported by Ferry yet: Kestra removed templates; use io\.kestra\.plugin\.core\.flow\.Subflow/) })]);
  });

  it("a trigger of one too", () => {
    const errors = refusal(`id: batch\nnamespace: company.team\ntasks:\n  - { id: x, type: io.kestra.plugin.core.log.Log, message: x }\ntriggers:\n  - { id: b, type: io.kestra.plugin.core.trigger.BatchWebhook, key: k, eventsCount: 10 }\n`);
    expect(errors).toContainEqual(expect.objectContaining({ path: "triggers[0].type", message: expect.stringMatching(/^Kestra's io\.kestra\.plugin\.core\.trigger\.BatchWebhook is not supported by Ferry yet: .*Webhook/) }));
  });

  it("the pre-0.17 WaitFor (Kestra's old waitfor.yaml) is refused as a name Kestra no longer accepts, pointing to LoopUntil", () => {
    const errors = refusal(`id: waitfor\nnamespace: company.team\ntasks:\n  - id: w\n    type: io.kestra.core.tasks.flows.WaitFor\n    condition: "{{ true }}"\n    task: { id: o, type: io.kestra.plugin.core.log.Log, message: x }\n`);
    expect(errors).toContainEqual(expect.objectContaining({ path: "tasks[0].type", message: expect.stringMatching(/^Kestra's io\.kestra\.core\.tasks\.flows\.WaitFor is a name Kestra no longer accepts: .*LoopUntil/) }));
    // the name LoopUntil declares as its alias deploys
    expect(registry.task("io.kestra.plugin.core.flow.WaitFor")?.type).toBe("core.LoopUntil");
  });

  it("every type listed is one no loaded plugin provides (a type that gains an implementation leaves the list)", async () => {
    const source = await import("node:fs/promises").then((fs) => fs.readFile(new URL("./kestra-unsupported.ts", import.meta.url), "utf8"));
    const listed = [...source.matchAll(/\[core\("([\w.]+)"\)\]/g)].map((m) => `io.kestra.plugin.core.${m[1]}`);
    // the pattern reads the list (five left once PurgeFlows, http.Trigger and SseRequest were built)
    expect(listed.length).toBeGreaterThan(0);
    for (const type of listed) expect([type, registry.task(type), registry.trigger(type)]).toEqual([type, undefined, undefined]);
  });
});

/* Kestra's deprecated classes that still deploy there (each `@Deprecated … extends` the current one, or shares its properties). */
describe("Kestra's deprecated core names", () => {
  it("Flow, Worker and Counts deploy as Subflow, WorkingDirectory and Count", () => {
    expect(registry.task("io.kestra.plugin.core.flow.Flow")).toBe(registry.task("io.kestra.plugin.core.flow.Subflow"));
    expect(registry.task("io.kestra.plugin.core.flow.Worker")).toBe(registry.task("io.kestra.plugin.core.flow.WorkingDirectory"));
    expect(registry.task("io.kestra.plugin.core.execution.Counts")).toBe(registry.task("io.kestra.plugin.core.execution.Count"));
  });

  it("VariableCondition deploys as Expression", () => {
    const flow = parseFlow(
      `id: cond\nnamespace: company.team\ntasks:\n  - { id: x, type: io.kestra.plugin.core.log.Log, message: x }\ntriggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "@daily"\n    conditions:\n      - type: io.kestra.plugin.core.condition.VariableCondition\n        expression: "{{ 1 == 1 }}"\n`,
      registry,
    );
    expect(flow.triggers?.[0].conditions).toHaveLength(1);
  });
});
