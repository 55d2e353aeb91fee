import corePlugin from "@ferry/plugin-core";
import scriptPlugin from "@ferry/plugin-script";
import { definePlugin, defineTrigger, UserError, z } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";

const registry = new PluginRegistry([corePlugin]);
const scripts = new PluginRegistry([corePlugin, scriptPlugin]);

function errorsOf(source: string, plugins = registry) {
  try {
    parseFlow(source, plugins);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return { message: (error as UserError).message, errors: (error as UserError).errors ?? [] };
  }
  throw new Error("expected the flow to be invalid");
}

describe("parseFlow", () => {
  it("accepts Kestra's core type names and ours alike", () => {
    const flow = parseFlow(
      `id: ok
namespace: company.team
labels:
  team: data
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: b
    type: core.Log
    message: hi
`,
      registry,
    );
    expect(flow.tasks.map((t) => t.id)).toEqual(["a", "b"]);
    expect(flow.labels).toEqual({ team: "data" });
  });

  it("reports invalid YAML with its line", () => {
    const { message, errors } = errorsOf("id: x\nnamespace: a\ntasks:\n  - id: [unclosed\n");
    expect(message).toMatch(/invalid YAML/);
    expect(errors[0].line).toBeGreaterThanOrEqual(4);
  });

  it("names the unknown type, the loaded plugins, the path and the line", () => {
    const { errors } = errorsOf(`id: x
namespace: a.b
tasks:
  - id: first
    type: core.Log
    message: fine
  - id: second
    type: acme.DoesNotExist
`);
    expect(errors).toEqual([
      { path: "tasks[1].type", message: "unknown task type 'acme.DoesNotExist'; loaded plugins: @ferry/plugin-core", line: 8 },
    ]);
  });

  it("checks each task's properties against its type's schema, nested tasks included", () => {
    const { errors } = errorsOf(`id: x
namespace: a.b
tasks:
  - id: outer
    type: core.Sequential
    tasks:
      - id: nap
        type: core.Sleep
        duration: 5 seconds
      - id: log
        type: core.Log
`);
    expect(errors.map((e) => [e.path, e.line])).toEqual([
      ["tasks[0].tasks[0].duration", 9],
      ["tasks[0].tasks[1].message", 10],
    ]);
  });

  it("allows templates wherever a value is expected", () => {
    expect(() =>
      parseFlow(
        `id: x
namespace: a.b
tasks:
  - id: loop
    type: core.ForEach
    values: "{{ inputs.list }}"
    concurrencyLimit: "{{ 2 }}"
    tasks:
      - { id: nap, type: core.Sleep, duration: "PT{{ taskrun.value }}S" }
`,
        registry,
      ),
    ).not.toThrow();
  });

  it("rejects duplicate task ids, bad ids, missing tasks and template syntax errors", () => {
    expect(errorsOf(`id: x\nnamespace: a\ntasks:\n  - { id: a, type: core.Log, message: x }\n  - { id: a, type: core.Log, message: y }\n`).errors[0].message).toMatch(/duplicate task id 'a'/);
    expect(errorsOf(`id: "bad id"\nnamespace: a\ntasks:\n  - { id: a, type: core.Log, message: x }\n`).errors[0].path).toBe("id");
    expect(errorsOf(`id: x\nnamespace: a\ntasks: []\n`).errors[0].message).toMatch(/at least one task/);
    const syntax = errorsOf(`id: x\nnamespace: a\ntasks:\n  - id: a\n    type: core.Log\n    message: "{{ 1 + }}"\n`).errors[0];
    expect(syntax).toMatchObject({ path: "tasks[0].message", line: 6 });
  });

  // Kestra's TaskWithWhenTest runs the task-runif flows written with `when` and asserts the same states
  it("reads a task's `when` as its runIf, at any depth, and refuses both written differently", () => {
    const flow = parseFlow(
      `id: x\nnamespace: a\ntasks:\n  - id: a\n    type: core.Log\n    message: hi\n    when: "{{ 1 == 2 }}"\n  - id: s\n    type: core.Sequential\n    when: false\n    tasks:\n      - { id: b, type: core.Log, message: hi, when: "true" }\n`,
      registry,
    );
    expect(flow.tasks[0]).toMatchObject({ runIf: "{{ 1 == 2 }}" });
    expect(flow.tasks[0]).not.toHaveProperty("when");
    expect(flow.tasks[1]).toMatchObject({ runIf: false });
    expect((flow.tasks[1] as unknown as { tasks: unknown[] }).tasks[0]).toEqual({ id: "b", type: "core.Log", message: "hi", runIf: "true" });
    expect(parseFlow(`id: x\nnamespace: a\ntasks:\n  - { id: a, type: core.Log, message: hi, when: "true", runIf: "true" }\n`, registry).tasks[0]).toMatchObject({ runIf: "true" });
    const { errors } = errorsOf(`id: x\nnamespace: a\ntasks:\n  - { id: a, type: core.Log, message: hi, when: "true", runIf: "false" }\n`);
    expect(errors).toEqual([expect.objectContaining({ path: "tasks[0].when", message: expect.stringMatching(/two names for one condition/) })]);
  });

  // Kestra 0.24 renamed maxAttempt to maxAttempts with an alias (AbstractRetry; docs migration-guide/v0.24.0/retries-maxattempts)
  it("reads retry.maxAttempts, and Kestra's older maxAttempt as the same property", () => {
    const retryOf = (property: string, flowLevel = false) => {
      const retry = `\n    retry:\n      type: constant\n      interval: PT1S\n      ${property}\n`;
      const flow = parseFlow(`id: x\nnamespace: a\n${flowLevel ? retry.replace(/\n {4}/g, "\n").slice(1) : ""}tasks:\n  - id: a\n    type: core.Fail${flowLevel ? "\n" : retry}`, registry);
      return flowLevel ? flow.retry : flow.tasks[0].retry;
    };
    expect(retryOf("maxAttempts: 3")).toEqual({ type: "constant", interval: "PT1S", maxAttempts: 3 });
    expect(retryOf("maxAttempt: 4")).toEqual({ type: "constant", interval: "PT1S", maxAttempts: 4 });
    expect(retryOf("maxAttempt: 2", true)).toEqual({ type: "constant", interval: "PT1S", maxAttempts: 2 });
    expect(retryOf("maxAttempt: 2\n      maxAttempts: 2")).toEqual({ type: "constant", interval: "PT1S", maxAttempts: 2 });
  });

  it("refuses maxAttempt and maxAttempts written with different values", () => {
    const { errors } = errorsOf(`id: x
namespace: a
tasks:
  - id: a
    type: core.Fail
    retry:
      type: constant
      interval: PT1S
      maxAttempts: 3
      maxAttempt: 5
`);
    expect(errors[0]).toMatchObject({ path: "tasks[0].retry.maxAttempt", line: 10 });
    expect(errors[0].message).toMatch(/older name for 'maxAttempts'/);
  });

  it("checks trigger conditions, time zones and duplicate trigger ids", () => {
    const source = `id: x
namespace: a
tasks:
  - { id: a, type: core.Log, message: hi }
triggers:
  - id: t
    type: core.trigger.Schedule
    cron: "0 2 * * *"
    timezone: Mars/Olympus
  - id: t
    type: core.trigger.Webhook
    key: k
    conditions:
      - type: io.kestra.plugin.core.condition.DayWeek
      - type: io.kestra.plugin.core.condition.Expression
`;
    const { errors } = errorsOf(source);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "triggers[0].timezone", message: "unknown time zone 'Mars/Olympus'", line: 9 }),
        expect.objectContaining({ path: "triggers[1].conditions[0]", message: expect.stringContaining("condition io.kestra.plugin.core.condition.DayWeek: dayOfWeek:") }),
        expect.objectContaining({ path: "triggers[1].conditions[1]", message: expect.stringContaining("condition io.kestra.plugin.core.condition.Expression: expression:") }),
        expect.objectContaining({ path: "triggers[1].id", message: "duplicate trigger id 't'" }),
      ]),
    );
  });
  it("accepts Kestra's trigger declarations and checks their properties", () => {
    const flow = parseFlow(
      `id: x
namespace: a
tasks:
  - { id: a, type: core.Log, message: hi }
triggers:
  - { id: nightly, type: io.kestra.plugin.core.trigger.Schedule, cron: "0 2 * * *", timezone: Europe/Paris }
  - { id: hook, type: io.kestra.plugin.core.trigger.Webhook, key: "{{ secret('HOOK_KEY') }}" }
  - id: after
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      flows:
        - { namespace: a, flowId: y, states: [SUCCESS] }
`,
      registry,
    );
    expect(flow.triggers?.map((t) => t.id)).toEqual(["nightly", "hook", "after"]);
    const { errors } = errorsOf(`id: x\nnamespace: a\ntasks:\n  - { id: a, type: core.Log, message: hi }\ntriggers:\n  - id: bad\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: every day\n`);
    expect(errors[0]).toMatchObject({ path: "triggers[0].cron", line: 8 });
    // parses, but no calendar has February 30: deployed, it would never fire
    const never = errorsOf(`id: x\nnamespace: a\ntasks:\n  - { id: a, type: core.Log, message: hi }\ntriggers:\n  - id: never\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "0 0 30 2 *"\n`).errors;
    expect(never[0]).toMatchObject({ path: "triggers[0].cron", line: 8, message: expect.stringMatching(/'0 0 30 2 \*' never fires: no calendar date matches it/) });
    expect(parseFlow(`id: x\nnamespace: a\ntasks:\n  - { id: a, type: core.Log, message: hi }\ntriggers:\n  - { id: leap, type: core.trigger.Schedule, cron: "0 0 29 2 *" }\n`, registry).triggers?.[0]?.id).toBe("leap");
  });

  it("applies pluginDefaults to tasks of that type", () => {
    const flow = parseFlow(
      `id: x
namespace: a
pluginDefaults:
  - type: core.Log
    values: { level: WARN, message: default message }
tasks:
  - { id: a, type: core.Log }
  - { id: b, type: core.Log, message: own, level: ERROR }
`,
      registry,
    );
    expect(flow.tasks[0]).toMatchObject({ level: "WARN", message: "default message" });
    expect(flow.tasks[1]).toMatchObject({ level: "ERROR", message: "own" });
  });

  it("applies pluginDefaults whichever name the task or the default uses, by prefix, at any depth, and to triggers", () => {
    const flow = parseFlow(
      `id: x
namespace: a
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values: { level: WARN, message: from the Kestra name }
  - type: io.kestra.plugin.core.trigger
    values: { inputs: { from: defaults } }
  - type: core.Sequential
    forced: true
    values: { description: forced }
tasks:
  - { id: short, type: core.Log }
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    description: mine
    tasks:
      - { id: nested, type: core.Log }
      - id: deeper
        type: core.If
        condition: "{{ true }}"
        then:
          - { id: deepest, type: io.kestra.plugin.core.log.Log, message: own }
triggers:
  - { id: hook, type: core.trigger.Webhook, key: k }
`,
      registry,
    );
    expect(flow.tasks[0]).toMatchObject({ level: "WARN", message: "from the Kestra name" });
    const group = flow.tasks[1] as unknown as { description: string; tasks: Array<Record<string, unknown> & { then?: Array<Record<string, unknown>> }> };
    expect(group.description).toBe("forced");
    expect(group.tasks[0]).toMatchObject({ level: "WARN", message: "from the Kestra name" });
    expect(group.tasks[1].then?.[0]).toMatchObject({ level: "WARN", message: "own" });
    expect(flow.triggers?.[0]).toMatchObject({ inputs: { from: "defaults" } });
  });

  // Kestra's PluginDefault / FlowPluginDefault `ref` and a plugin's `pluginDefaultsRef` (PluginDefaultService.innerInjectDefault)
  it("a named default (ref) applies only to what names it, instead of the type's defaults; forced ones win, in Kestra's order", () => {
    const flow = parseFlow(
      `id: named
namespace: a
pluginDefaults:
  - { type: io.kestra.plugin.core.debug.Return, values: { format: typed } }
  - { type: io.kestra.plugin.core.debug.Return, ref: alive, values: { format: "It's alive!" } }
  - { type: io.kestra.plugin.core.debug.Return, ref: alive, values: { format: shadowed } }
  - { type: core.Return, ref: loud, forced: true, values: { format: forced ref } }
  - { type: core.Log, forced: true, values: { level: ERROR } }
  - { type: core.Log, ref: quiet, values: { level: TRACE, message: from the ref } }
  - { type: io.kestra.plugin.core.trigger.Webhook, ref: hook, values: { key: from-ref } }
tasks:
  - { id: plain, type: core.Return }
  - { id: opted, type: core.Return, pluginDefaultsRef: alive }
  - { id: own, type: core.Return, pluginDefaultsRef: alive, format: mine }
  - { id: replaced, type: core.Return, pluginDefaultsRef: loud, format: mine }
  - { id: enforced, type: core.Log, pluginDefaultsRef: quiet, message: mine }
triggers:
  - { id: hook, type: core.trigger.Webhook, pluginDefaultsRef: hook }
`,
      registry,
    );
    const byId = Object.fromEntries(flow.tasks.map((t) => [t.id, t as Record<string, unknown>]));
    expect(byId.plain).toEqual({ id: "plain", type: "core.Return", format: "typed" });
    // the first of a ref's defaults wins; the type's own default is not applied; the marker is consumed
    expect(byId.opted).toEqual({ id: "opted", type: "core.Return", format: "It's alive!" });
    expect(byId.own).toEqual({ id: "own", type: "core.Return", format: "mine" });
    expect(byId.replaced).toEqual({ id: "replaced", type: "core.Return", format: "forced ref" });
    // a forced type default also applies: enforcement takes over, the ref is ignored (and consumed)
    expect(byId.enforced).toEqual({ id: "enforced", type: "core.Log", message: "mine", level: "ERROR" });
    expect(flow.triggers?.[0]).toEqual({ id: "hook", type: "core.trigger.Webhook", key: "from-ref" });
  });

  it("a pluginDefaultsRef that resolves to nothing, or to defaults of another type, is refused where it is written (Kestra's FlowService)", () => {
    const { errors } = errorsOf(`id: unresolved
namespace: a
pluginDefaults:
  - { type: core.Log, ref: logs, values: { message: hi } }
tasks:
  - { id: broken, type: core.Return, format: x, pluginDefaultsRef: does-not-exist }
  - { id: other, type: core.Return, format: x, pluginDefaultsRef: logs }
  - id: seq
    type: core.Sequential
    tasks:
      - { id: deep, type: core.Log, message: x, pluginDefaultsRef: nope }
triggers:
  - { id: hook, type: core.trigger.Webhook, key: k, pluginDefaultsRef: none }
`);
    expect(errors.map((e) => e.path)).toEqual(["tasks[0].pluginDefaultsRef", "tasks[1].pluginDefaultsRef", "tasks[2].tasks[0].pluginDefaultsRef", "triggers[0].pluginDefaultsRef"]);
    expect(errors[0].message).toContain("pluginDefaultsRef 'does-not-exist' names no plugin default of this flow for core.Return");
  });
});

describe("triggers of a kind the server fires", () => {
  it("must give that kind's properties: a plugin's webhook type without a key is refused at deploy", () => {
    const loose = defineTrigger({ type: "acme.Hook", title: "a webhook that forgot its key", kind: "webhook", properties: z.looseObject({}) });
    const withPlugin = new PluginRegistry([corePlugin, definePlugin({ name: "acme", version: "0", triggers: [loose] })]);
    const flow = `id: hooked\nnamespace: acme.team\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: acme.Hook }\n`;
    expect(() => parseFlow(flow, withPlugin)).toThrow(/triggers\[0\]\.key/);
    expect(parseFlow(flow.replace("type: acme.Hook", "type: acme.Hook, key: k"), withPlugin).triggers).toHaveLength(1);
  });
});

describe("expressions checked at deploy", () => {
  it("refuses an unknown filter or function with the property's path and line", () => {
    const flow = `id: x\nnamespace: a\ntasks:\n  - id: a\n    type: core.Log\n    message: "{{ inputs.x | sha265 }}"\noutputs:\n  - { id: o, type: STRING, value: "{{ jq(outputs.a) }}" }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: "{{ nope() }}" }\n`;
    const { errors } = errorsOf(flow);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "tasks[0].message", line: 6, message: expect.stringMatching(/unknown filter 'sha265'/) }),
        expect.objectContaining({ path: "outputs[0].value", message: expect.stringMatching(/unknown function 'jq'/) }),
        expect.objectContaining({ path: "triggers[0].key", message: expect.stringMatching(/unknown function 'nope'/) }),
      ]),
    );
  });
});

describe("strict flows: what Ferry would not honour is refused at deploy", () => {
  const base = (task: string, extra = "") => `id: x\nnamespace: a\n${extra}tasks:\n  - id: t\n${task}`;
  const refusal = (source: string) => errorsOf(source, scripts).errors;

  it("an unknown property is named on its own line, in a task, a nested object, a trigger and the flow", () => {
    expect(refusal(base("    type: core.Log\n    message: hi\n    levle: WARN\n"))).toContainEqual(expect.objectContaining({ path: "tasks[0].levle", line: 7, message: "unknown property 'levle'" }));
    expect(refusal(base("    type: core.http.Request\n    uri: http://x\n    options: { readTimout: PT1S }\n"))).toContainEqual(expect.objectContaining({ path: "tasks[0].options.readTimout" }));
    expect(refusal(base("    type: core.Log\n    message: hi\ntriggers:\n  - { id: h, type: core.trigger.Webhook, key: k, wiat: true }\n"))).toContainEqual(expect.objectContaining({ path: "triggers[0].wiat" }));
    expect(refusal(`id: x\nnamespace: a\ndescripton: typo\ntasks:\n  - { id: t, type: core.Log, message: hi }\n`)).toContainEqual(expect.objectContaining({ path: "descripton", line: 3 }));
  });

  it("a concurrency limit is a whole number from 1 with a behavior Kestra knows", () => {
    const log = "    type: core.Log\n    message: hi\n";
    expect(parseFlow(base(log, "concurrency: { limit: 2, behavior: CANCEL }\n"), scripts).concurrency).toEqual({ limit: 2, behavior: "CANCEL" });
    expect(parseFlow(base(log, "concurrency: { limit: 1 }\n"), scripts).concurrency).toEqual({ limit: 1 }); // QUEUE when not given: the engine reads it so
    expect(refusal(base(log, "concurrency: { limit: 0 }\n"))).toContainEqual(expect.objectContaining({ path: "concurrency.limit", message: expect.stringContaining("at least 1") }));
    expect(refusal(base(log, "concurrency: { limit: 2, behavior: WAIT }\n"))).toContainEqual(expect.objectContaining({ path: "concurrency.behavior" }));
    expect(refusal(base(log, "concurrency: { limit: 2, behaviour: QUEUE }\n"))).toContainEqual(expect.objectContaining({ path: "concurrency.behaviour" }));
    expect(refusal(base(log, "concurrency: { behavior: QUEUE }\n"))).toContainEqual(expect.objectContaining({ path: "concurrency.limit" }));
    // Kestra's flow-concurrency-queue-{size,limit,duration}.yml: not in the Concurrency model Ferry follows (limit, behavior)
    for (const key of ["queueSize: 1", "queueLimit: 1", "duration: PT5S"]) {
      const name = key.split(":")[0];
      expect(refusal(base(log, `concurrency: { limit: 1, behavior: QUEUE, ${key} }\n`))).toContainEqual(expect.objectContaining({ path: `concurrency.${name}`, message: expect.stringContaining(`not supported by Ferry yet: concurrency.${name}`) }));
    }
  });

  it("listeners (Kestra's deprecated form, without conditions) run as the head of afterExecution, their tasks checked where written", () => {
    const flow = parseFlow(base("    type: core.Log\n    message: hi\n", "listeners:\n  - description: told\n    tasks:\n      - { id: l1, type: core.Log, message: one }\n  - tasks: [{ id: l2, type: core.Log, message: two }]\nafterExecution:\n  - { id: end, type: core.Log, message: end }\n"), registry);
    expect(flow.afterExecution?.map((t) => t.id)).toEqual(["l1", "l2", "end"]);
    expect((flow as { listeners?: unknown }).listeners).toBeUndefined();
    expect(refusal(base("    type: core.Log\n    message: hi\n", "listeners:\n  - tasks: [{ id: l, type: core.Nope }]\n"))).toContainEqual(expect.objectContaining({ path: "listeners[0].tasks[0].type" }));
    expect(refusal(base("    type: core.Log\n    message: hi\n", "listeners:\n  - tasks: []\n"))).toContainEqual(expect.objectContaining({ path: "listeners[0].tasks", message: expect.stringContaining("at least one task") }));
  });

  it("a trigger's labels, a map or a list, are kept as text; a system label is refused (AbstractTrigger.labels: List<@NoSystemLabelValidation Label>)", () => {
    const trigger = (labels: string) => base("    type: core.Log\n    message: hi\n", `triggers:\n  - { id: s, type: core.trigger.Schedule, cron: '@daily', labels: ${labels} }\n`);
    expect(parseFlow(trigger("{ team: data, n: 1 }"), registry).triggers?.[0].labels).toEqual({ team: "data", n: "1" });
    expect(parseFlow(trigger("[{ key: team, value: \"{{ trigger.date }}\" }]"), registry).triggers?.[0].labels).toEqual({ team: "{{ trigger.date }}" });
    expect(refusal(trigger("{ system.replay: x }"))).toContainEqual(
      expect.objectContaining({ path: "triggers[0].labels.system.replay", message: "System labels can only be set by Kestra itself, offending label: system.replay" }),
    );
  });

  it("a Kestra property not implemented yet says so", () => {
    const cases: Array<[string, string]> = [
      [base("    type: core.Log\n    message: hi\n", "listeners:\n  - conditions: [{ type: core.condition.ExecutionStatus, in: [FAILED] }]\n    tasks: [{ id: l, type: core.Log, message: l }]\n"), "not supported by Ferry yet: listener conditions"],
      [base("    type: core.Log\n    message: hi\ntriggers:\n  - { id: s, type: core.trigger.Schedule, cron: '@daily', logLevel: WARN }\n"), "not supported by Ferry yet: logLevel"],
    ];
    for (const [source, message] of cases) expect(refusal(source).map((e) => e.message).join("\n")).toContain(message);
  });

  it("a script asked to run isolated is refused, never run on the host; the Process runner is accepted", () => {
    const shell = (extra: string) => base(`    type: io.kestra.plugin.scripts.shell.Commands\n    commands: [id]\n${extra}`);
    expect(refusal(shell("    taskRunner: { type: io.kestra.plugin.scripts.runner.docker.Docker }\n    containerImage: ubuntu:22.04\n")).map((e) => e.message).join("\n")).toMatch(
      /not supported by Ferry yet: taskRunner io\.kestra\.plugin\.scripts\.runner\.docker\.Docker/,
    );
    // without a runner Kestra's default is Docker: the image asks for a container
    expect(refusal(shell("    containerImage: ubuntu:22.04\n"))).toContainEqual(expect.objectContaining({ path: "tasks[0].containerImage", message: expect.stringMatching(/containerImage without a task runner/) }));
    expect(parseFlow(shell("    taskRunner: { type: io.kestra.plugin.core.runner.Process }\n"), scripts).tasks).toHaveLength(1);
    // Kestra's Process runner does not use the image: taken, as Kestra takes it
    expect(parseFlow(shell("    taskRunner: { type: io.kestra.plugin.core.runner.Process }\n    containerImage: ubuntu:22.04\n"), scripts).tasks).toHaveLength(1);
  });

  it("accepts runIf, Kestra's default retry behaviour, a revision in the source and the deprecated taskDefaults", () => {
    const flow = parseFlow(
      `id: x\nnamespace: a\nrevision: 7\ntaskDefaults:\n  - { type: core.Log, values: { level: WARN } }\ntasks:\n  - { id: t, type: core.Log, message: hi, runIf: "{{ 1 == 2 }}", retry: { type: constant, interval: PT1S, maxAttempt: 2, behavior: RETRY_FAILED_TASK } }\n`,
      registry,
    );
    expect(flow.tasks[0]).toMatchObject({ level: "WARN", runIf: "{{ 1 == 2 }}" });
    expect(flow).not.toHaveProperty("revision");
    expect(flow).not.toHaveProperty("taskDefaults");
  });
});

describe("flows Kestra's FlowValidation refuses", () => {
  it("a Subflow task calling its own flow, at any depth; a call to another flow is fine", () => {
    const calls = (target: string) =>
      `id: me\nnamespace: a.b\ntasks:\n  - id: group\n    type: core.Sequential\n    tasks:\n      - { id: call, type: io.kestra.plugin.core.flow.Subflow, namespace: a.b, flowId: ${target} }\n`;
    expect(errorsOf(calls("me"), registry).errors).toEqual([expect.objectContaining({ path: "tasks[0].tasks[0]", line: 7, message: "Recursive call to flow [a.b.me]" })]);
    expect(parseFlow(calls("other"), registry).tasks).toHaveLength(1);
  });

  it("system labels, on the flow and on a Subflow task", () => {
    const messages = errorsOf(
      `id: x\nnamespace: a\nlabels:\n  system.label: system_key\ntasks:\n  - { id: call, type: core.Subflow, namespace: a, flowId: y, labels: { system.id: id } }\n`,
      registry,
    ).errors.map((e) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        "System labels can only be set by Kestra itself, offending label: system.label=system_key",
        expect.stringMatching(/System labels can only be set by Kestra itself, offending label: system\.id=id/),
      ]),
    );
  });

  it("but system.readOnly, which FlowValidator lets through (Kestra's docs concepts/system-labels: read_only_flow)", () => {
    const flow = parseFlow(`id: read_only_flow\nnamespace: company.team\nlabels:\n  system.readOnly: true\ntasks:\n  - { id: log, type: io.kestra.plugin.core.log.Log, message: Hello from a read-only flow! }\n`, registry);
    expect(flow.labels).toEqual({ "system.readOnly": "true" });
    // only on the flow: a Subflow task's or a trigger's labels stay refused (@NoSystemLabelValidation)
    expect(errorsOf(`id: x\nnamespace: a\ntasks:\n  - { id: call, type: core.Subflow, namespace: a, flowId: y, labels: { system.readOnly: "true" } }\n`, registry).errors).toHaveLength(1);
  });
});
