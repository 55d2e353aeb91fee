import corePlugin from "@ferry/plugin-core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";
import { whenHolds } from "./trigger-when.js";

/* Kestra 2.0's spellings the parser reads beside 1.x's (docs: migration-guide/v2.0.0, checks-condition-renamed-when, trigger-conditions-redesign) */
const registry = new PluginRegistry([corePlugin]);
const refusal = (source: string) => {
  try {
    parseFlow(source, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).errors ?? [];
  }
  throw new Error("expected a refusal");
};
const flowWith = (checks: string) => `id: c\nnamespace: k2.test\ntasks:\n  - { id: l, type: core.Log, message: x }\nchecks:\n${checks}`;

describe("Kestra 2.0 syntax", () => {
  it("a check's when is its condition (2.0's name); both different is refused", () => {
    const flow = parseFlow(flowWith(`  - when: "{{ inputs.x == 1 }}"\n    message: x must be 1\n`), registry);
    expect(flow.checks?.[0]).toMatchObject({ condition: "{{ inputs.x == 1 }}", message: "x must be 1" });
    expect(flow.checks?.[0]).not.toHaveProperty("when");
    const errors = refusal(flowWith(`  - { when: "{{ true }}", condition: "{{ false }}", message: m }\n`));
    expect(errors.map((e) => e.path)).toContain("checks[0].when");
  });

  it("a flow output of type BOOL (2.0's name) is a BOOLEAN one", () => {
    const flow = parseFlow(`id: o\nnamespace: k2.test\ntasks:\n  - { id: l, type: core.Log, message: x }\noutputs:\n  - { id: flag, type: BOOL, value: "{{ true }}" }\n`, registry);
    expect(flow.outputs?.[0].type).toBe("BOOLEAN");
  });

  it("a trigger's when is checked at deploy; rendered, it holds as Kestra's TruthUtils say", async () => {
    const errors = refusal(`id: t\nnamespace: k2.test\ntasks:\n  - { id: l, type: core.Log, message: x }\ntriggers:\n  - { id: s, type: core.trigger.Schedule, cron: "0 * * * *", when: "{{ nosuch(trigger.date) }}" }\n`);
    expect(errors.find((e) => e.path === "triggers[0].when")?.message).toContain("nosuch");
    const ctx = { variables: { trigger: { n: 0, s: "yes" } } };
    expect(await whenHolds(undefined, ctx)).toBe(true);
    expect(await whenHolds(false, ctx)).toBe(false);
    expect(await whenHolds("{{ trigger.n }}", ctx)).toBe(false);
    expect(await whenHolds("{{ trigger.s == 'yes' }}", ctx)).toBe(true);
  });
});
