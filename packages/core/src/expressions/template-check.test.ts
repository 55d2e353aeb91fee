import { describe, expect, it } from "vitest";
import { checkTemplate, renderString } from "./render.js";
import { TESTS } from "./template-check.js";

describe("templates checked without rendering", () => {
  it("names an unknown filter, function or test, wherever it sits", () => {
    expect(() => checkTemplate("{{ inputs.x | jqq('.a') }}")).toThrow(/unknown filter 'jqq'/);
    expect(() => checkTemplate("{{ sha256(inputs.x) }}")).toThrow(/unknown function 'sha256'/);
    expect(() => checkTemplate("{% if inputs.x is prime %}y{% endif %}")).toThrow(/unknown test 'prime'/);
    expect(() => checkTemplate("{% for i in range(0, 3) %}{{ i | upper | nope }}{% endfor %}")).toThrow(/unknown filter 'nope'/);
    expect(() => checkTemplate("{% set a = [1, {'k': rendr(x)}] %}")).toThrow(/unknown function 'rendr'/);
    expect(() => checkTemplate("{{ a ? b : c | missing }}")).toThrow(/unknown filter 'missing'/);
  });

  it("accepts the built-ins, the engine's functions and `default`", () => {
    for (const template of ["{{ secret('A') }}", "{{ kv('k') }}", "{{ x | default('y') | upper }}", "{{ now() }}", "{{ range(0, 2) | join(',') }}", "plain text"]) {
      expect(() => checkTemplate(template)).not.toThrow();
    }
  });

  it("knows every test the evaluator answers", async () => {
    for (const test of TESTS) {
      await expect(renderString(`{{ 2 is ${test} }}`, { variables: {} })).resolves.toBeDefined();
    }
  });
});
