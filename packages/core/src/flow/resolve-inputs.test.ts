import corePlugin from "@ferry/plugin-core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";
import { nestInputs, resolveExecutionInputs } from "./resolve-inputs.js";

const registry = new PluginRegistry([corePlugin]);
const inputsOf = (yaml: string) => parseFlow(`id: f\nnamespace: n\ninputs:\n${yaml}tasks:\n  - { id: t, type: core.Log, message: hi }\n`, registry).inputs;
const env = { flow: { id: "f", namespace: "n" }, functions: { kv: async (args: unknown[]) => (args[0] === "regions" ? ["eu", "us"] : null) } };
const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return (error as UserError).message;
  }
  throw new Error("expected a refusal");
};

describe("inputs as Kestra's FlowInputOutput resolves them", () => {
  it("dotted ids nest as inputs.nested.string; the deprecated name: and defaults: null are read as Kestra reads them", async () => {
    const specs = inputsOf("  - { id: nested.string, type: STRING, defaults: hi }\n  - { name: old, type: INT, defaults: 3 }\n  - { id: none, type: STRING, required: false, defaults: null }\n");
    const resolved = await resolveExecutionInputs(specs, {}, env);
    expect(resolved).toEqual({ "nested.string": "hi", old: 3, none: null });
    expect(nestInputs(resolved)).toEqual({ nested: { string: "hi" }, old: 3, none: null });
  });

  it("requiredMayBeAbsent (a Flow trigger's execution): a required input given nothing and holding no default is left out; given ones are typed and checked, defaults apply", async () => {
    const specs = inputsOf("  - { id: from-parent, type: STRING }\n  - { id: count, type: INT }\n  - { id: level, type: STRING, defaults: info }\n");
    expect(await resolveExecutionInputs(specs, { count: "3" }, { ...env, requiredMayBeAbsent: true })).toEqual({ count: 3, level: "info" });
    expect(await refusal(resolveExecutionInputs(specs, { count: "three" }, { ...env, requiredMayBeAbsent: true }))).toMatch(/input 'count' \(INT\)/);
    expect(await refusal(resolveExecutionInputs(specs, { count: "3" }, env))).toMatch(/input 'from-parent' \(STRING\) is required/);
  });

  it("renders a templated default against the flow and the inputs before it, then types it", async () => {
    const specs = inputsOf("  - { id: base, type: INT, defaults: 20 }\n  - { id: double, type: INT, defaults: \"{{ inputs.base * 2 }}\" }\n  - { id: where, type: STRING, defaults: \"{{ flow.namespace }}/{{ flow.id }}\" }\n");
    expect(await resolveExecutionInputs(specs, { base: "5" }, env)).toEqual({ base: 5, double: 10, where: "n/f" });
  });

  it("SELECT and MULTISELECT values from an expression, checked as listed values are", async () => {
    const specs = inputsOf("  - { id: region, type: SELECT, expression: \"{{ kv('regions') }}\" }\n  - { id: many, type: MULTISELECT, expression: '[\"a\", \"b\"]' }\n");
    expect(await resolveExecutionInputs(specs, { region: "eu", many: '["b"]' }, env)).toEqual({ region: "eu", many: ["b"] });
    expect(await refusal(resolveExecutionInputs(specs, { region: "asia", many: '["b"]' }, env))).toMatch(/input 'region' \(SELECT\): 'asia' is not one of the values eu, us/);
  });

  it("dependsOn: an input is asked for only once its inputs have values and its condition holds", async () => {
    const specs = inputsOf(
      "  - { id: cloud, type: SELECT, values: [aws, gcp], required: false }\n  - { id: region, type: STRING, dependsOn: { inputs: [cloud], condition: \"{{ inputs.cloud == 'aws' }}\" } }\n",
    );
    expect(await resolveExecutionInputs(specs, {}, env)).toEqual({ cloud: null });
    expect(await resolveExecutionInputs(specs, { cloud: "gcp" }, env)).toEqual({ cloud: "gcp" });
    expect(await refusal(resolveExecutionInputs(specs, { cloud: "aws" }, env))).toMatch(/input 'region' \(STRING\) is required/);
    expect(await resolveExecutionInputs(specs, { cloud: "aws", region: "eu-west-1" }, env)).toEqual({ cloud: "aws", region: "eu-west-1" });
  });

  it("dependsOn as Kestra's isInputEnabled: a null but enabled dependency leaves the input enabled; a disabled one disables it; a dependency declared later is resolved first", async () => {
    const specs = inputsOf(
      "  - { id: region, type: STRING, defaults: eu, dependsOn: { inputs: [cloud] } }\n  - { id: cloud, type: STRING, required: false }\n" +
        "  - { id: zone, type: STRING, dependsOn: { inputs: [region], condition: \"{{ inputs.region == 'us' }}\" } }\n  - { id: rack, type: INT, dependsOn: { inputs: [zone] } }\n",
    );
    expect(await resolveExecutionInputs(specs, { rack: "3" }, env)).toEqual({ cloud: null, region: "eu" });
    expect(await refusal(resolveExecutionInputs(specs, { region: "us" }, env))).toMatch(/input 'zone' \(STRING\) is required; input 'rack' \(INT\) is required/);
  });

  it("a dependsOn condition that does not render disables the input, as Kestra's does (the execution starts without it)", async () => {
    const specs = inputsOf("  - { id: a, type: STRING }\n  - { id: b, type: STRING, dependsOn: { inputs: [a], condition: \"{{ inputs.dummy == 'x' }}\" } }\n");
    expect(await resolveExecutionInputs(specs, { a: "1", b: "2" }, env)).toEqual({ a: "1" });
  });

  it("an expression may render {label, value} options; an object without a value is refused", async () => {
    const specs = inputsOf("  - { id: env, type: SELECT, expression: \"{{ [{'label': 'Production', 'value': 'p1'}, 'dev'] }}\" }\n");
    expect(await resolveExecutionInputs(specs, { env: "p1" }, env)).toEqual({ env: "p1" });
    const bad = inputsOf("  - { id: env, type: SELECT, expression: \"{{ [{'label': 'Production'}] }}\" }\n");
    expect(await refusal(resolveExecutionInputs(bad, { env: "p1" }, env))).toMatch(/an object with a `value` field/);
  });

  it("refuses at deploy a SELECT with neither values nor expression, and a template in a rule", () => {
    expect(() => inputsOf("  - { id: s, type: SELECT }\n")).toThrow(/give its values, or an expression rendering to them/);
    expect(() => inputsOf("  - { id: s, type: INT, max: \"{{ 3 }}\" }\n")).toThrow(/a template in input property 'max'/);
  });
});
