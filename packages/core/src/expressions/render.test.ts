import { JavaDouble } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { renderString, renderValue } from "./render.js";
import { ExpressionError } from "./expression.error.js";

const ctx = {
  variables: {
    flow: { id: "c17", namespace: "qa.conformance" },
    inputs: { name: "kestra", nickname: null, count: 3, verbose: true, cfg: { region: "eu-west", replicas: 2 } },
    vars: { fruits: ["apple", "banana", "cherry"], payload: '{"user": {"id": 7, "roles": ["admin", "dev"]}}' },
    outputs: { shout: { beta: { value: "BETA" } }, compute: { value: "42" }, collect: { values: { visits: 3 } } },
    taskrun: { value: "alpha" },
  },
};
const r = (t: string) => renderString(t, ctx);

describe("variables held as Java Doubles (JavaDouble: FLOAT inputs, 6.0 in stored JSON)", () => {
  const doubles = { variables: { inputs: { ratio: new JavaDouble(5), nested: { f: new JavaDouble(2) }, count: 5 } } };
  it("print as Kestra prints a Double, and arithmetic on them is a Double's", async () => {
    expect(await renderString("{{ inputs.ratio }} {{ inputs['ratio'] }} {{ inputs.nested.f }} {{ inputs.count }}", doubles)).toBe("5.0 5.0 2.0 5");
    expect(await renderString("{{ inputs.ratio + 1 }} {{ inputs.ratio / 2 }} {{ inputs.count / 2 }} {{ -inputs.ratio }}", doubles)).toBe("6.0 2.5 2 -5.0");
  });
});

describe("Pebble-style rendering (every expression of the conformance corpus)", () => {
  it("reads variables and nested members", async () => {
    expect(await r("hello from {{ flow.namespace }}/{{ flow.id }}")).toBe("hello from qa.conformance/c17");
    expect(await r("{{ outputs.shout['beta'].value }}")).toBe("BETA");
    expect(await r("{{ inputs.cfg.region }} {{ inputs.cfg.replicas + 1 }}")).toBe("eu-west 3");
  });
  it("does arithmetic with types kept", async () => {
    expect(await r("{{ 40 + 2 }} is the sum")).toBe("42 is the sum");
    expect(await r("{{ 6 * 7 }}")).toBe("42");
    expect(await r("{{ outputs.collect.values.visits + 1 }}")).toBe("4");
    expect(await r("{{ inputs.count * 2 }}")).toBe("6");
    expect(await r("{{ 7 / 2 }}|{{ 7 / 2.5 }}|{{ 7 % 3 }}")).toBe("3|2.8|1");
  });
  it("handles ternary, comparison and coalescing", async () => {
    expect(await r("{{ inputs.verbose ? 'loud' : 'quiet' }}")).toBe("loud");
    expect(await r("{{ outputs.compute.value == '42' }}")).toBe("true");
    expect(await r("{{ vars.not_defined ?? 'fallback' }}")).toBe("fallback");
    expect(await r("{{ inputs.nickname ?? 'none' }}")).toBe("none");
  });
  it("applies filters", async () => {
    expect(await r("{{ taskrun.value | upper }}")).toBe("ALPHA");
    expect(await r("{{ inputs.nickname | default('anonymous') }}")).toBe("anonymous");
    expect(await r("{{ missing | default('d') }}")).toBe("d");
    expect(await r("{{ inputs.name | length }}/{{ vars.fruits | length }}")).toBe("6/3");
    expect(await r("{{ vars.fruits | toJson }}")).toBe('["apple","banana","cherry"]');
    expect(await r("{{ vars.fruits | join(', ') }}")).toBe("apple, banana, cherry");
  });
  it("renders lists and maps as compact JSON", async () => {
    expect(await r("{{ vars.fruits }}")).toBe('["apple","banana","cherry"]');
    expect(await r("{{ inputs.cfg }}")).toBe('{"region":"eu-west","replicas":2}');
  });
  it("parses JSON with fromJson and json", async () => {
    expect(await r("{{ fromJson(vars.payload).user.roles[1] }}/{{ fromJson(vars.payload).user.id }}")).toBe("dev/7");
    expect(await r("{{ json(vars.payload).user.id }}")).toBe("7");
  });
  it("formats dates with Java patterns and named arguments", async () => {
    expect(await r('{{ "2024-03-15T10:00:00Z" | date(format="yyyy/MM/dd", timeZone="UTC") }}')).toBe("2024/03/15");
    expect(await r('{{ "2024-03-15T23:30:00Z" | date("yyyy-MM-dd HH:mm", timeZone="Europe/Paris") }}')).toBe("2024-03-16 00:30");
    expect(await r("{{ now(format='yyyy') | length }}")).toBe("4");
  });
  it("adds calendar months and years with dateAdd, as Kestra's purge examples do", async () => {
    // printed in Kestra's `iso` format: yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX (AbstractDate)
    expect(await r("{{ '2024-03-31T10:00:00Z' | dateAdd(-1, 'MONTHS') }}")).toBe("2024-02-29T10:00:00.000000Z");
    expect(await r("{{ '2024-02-29T00:00:00Z' | dateAdd(1, 'YEARS') }}")).toBe("2025-02-28T00:00:00.000000Z");
    expect(await r("{{ '2024-01-15T00:00:00Z' | dateAdd(-3, 'DAYS') }}")).toBe("2024-01-12T00:00:00.000000Z");
    await expect(r("{{ '2024-01-15T00:00:00Z' | dateAdd(1, 'FORTNIGHTS') }}")).rejects.toThrow(/unknown unit 'FORTNIGHTS'/);
  });
  it("supports if/for/set tags and comments", async () => {
    expect(await r("{% for f in vars.fruits %}{{ f | first }}{% endfor %}")).toBe("abc");
    expect(await r("{% if inputs.count > 2 %}big{% else %}small{% endif %}")).toBe("big");
    expect(await r("{% set x = 2 %}{{ x * 3 }}{# note #}")).toBe("6");
    expect(await r("{{ inputs.name is defined }} {{ nope is defined }} {{ 'an' in inputs.name }}")).toBe("true false false");
  });
  it("raises on undefined variables (strict), naming them", async () => {
    await expect(r("{{ no_such_variable }}")).rejects.toThrow(/no_such_variable/);
    await expect(r("{{ outputs.nope.value }}")).rejects.toBeInstanceOf(ExpressionError);
    await expect(r("{{ 1 + }}")).rejects.toThrow(ExpressionError);
  });
  it("keeps non-string scalars and renders nested maps", async () => {
    expect(await renderValue({ visits: 3, tag: "{{ flow.id }}-tag", nested: { inner: "{{ 1 + 1 }}" }, on: true }, ctx)).toEqual({
      visits: 3, tag: "c17-tag", nested: { inner: "2" }, on: true,
    });
  });
  it("never renders data values again", async () => {
    const data = { variables: { body: "{{ secret('X') }}" } };
    expect(await renderString("got {{ body }}", data)).toBe("got {{ secret('X') }}");
  });
});

describe("a missing name or key, worded as Kestra words it (VariableRenderer.properPebbleException)", () => {
  it("names the attribute Pebble's AttributeNotFoundException names, the whole template and its line", async () => {
    // VariablesTest.invalidVars: a flow without inputs has no `inputs` variable
    const noInputs = { variables: { flow: { id: "f", namespace: "n" }, outputs: {} } };
    await expect(renderString("{{inputs.invalid}}", noInputs)).rejects.toThrow("Unable to find `inputs` used in the expression `{{inputs.invalid}}` at line 1");
    await expect(r("{{ inputs.missing }}")).rejects.toThrow("Unable to find `missing` used in the expression `{{ inputs.missing }}` at line 1");
    await expect(r("first\nsecond {{ outputs['nope'].value }}")).rejects.toThrow("Unable to find `nope` used in the expression `first\nsecond {{ outputs['nope'].value }}` at line 2");
    await expect(r("{% if true %}\n\n  {{ nothing }}\n{% endif %}")).rejects.toThrow("Unable to find `nothing` used in the expression `{% if true %}\n\n  {{ nothing }}\n{% endif %}` at line 3");
    await expect(r("{% for f in vars.fruits %}\n{{ f.weight }}{% endfor %}")).rejects.toThrow(/Unable to find `weight` .* at line 2$/s);
  });
  it("stays what `??`, `default` and `is defined` catch, and a render() inside keeps its own template's words", async () => {
    expect(await r("{{ inputs.missing ?? 'd' }}|{{ nothing | default('e') }}|{{ nothing is defined }}")).toBe("d|e|false");
    await expect(r("{{ render('{{ nope }}') }}")).rejects.toThrow("Unable to find `nope` used in the expression `{{ nope }}` at line 1");
    expect(await r("{{ render('{{ nope }}') ?? 'caught' }}")).toBe("caught");
  });
});
