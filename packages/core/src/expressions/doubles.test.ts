import { JavaDouble } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { renderString } from "./render.js";

/*
 * Pebble keeps Java's number types: a Double (a literal written 2.0, arithmetic on a Double, a
 * FLOAT input, 6.0 read from JSON) stays a Double through arithmetic, filters and JSON, and
 * prints 6.0; whole numbers are Longs and divide as Longs (OperatorUtils).
 */
const ctx = { variables: { vars: { ratio: new JavaDouble(2), half: 0.5, count: 5, list: [new JavaDouble(3), 1.5] } } };
const r = (t: string) => renderString(t, ctx);

describe("Doubles as Pebble holds them", () => {
  it("stay Doubles through arithmetic; Longs divide as Longs", async () => {
    expect(await r("{{ 2.0 * 3 }}|{{ 1.5 + 1.5 }}|{{ 6.0 / 2 }}|{{ 5 / 2 }}|{{ 5 / 2.0 }}|{{ -2.0 }}|{{ 7.0 % 2 }}")).toBe("6.0|3.0|3.0|2|2.5|-2.0|1.0");
    expect(await r("{{ vars.ratio }}|{{ vars.ratio * vars.count }}|{{ vars.half * 4 }}|{{ vars.count * 2 }}")).toBe("2.0|10.0|2.0|10");
  });
  it("print as Double.toString through string, concatenation and interpolation", async () => {
    expect(await r("{{ (2.0 * 3) | string }}|{{ 2.0 ~ '' }}|{{ \"#{2.0 * 3}\" }}|{{ 'n=' + 6.0 }}|{{ [2.0, 3] | join(',') }}")).toBe("6.0|2.0|6.0|n=6.0|2.0,3");
  });
  it("keep their .0 in JSON and YAML, and a parsed 6.0 stays a Double", async () => {
    expect(await r("{{ (2.0 * 3) | toJson }}|{{ {'a': 1.0, 'b': [2.0, 2]} | toJson }}|{{ vars.list }}|{{ vars | toJson }}")).toBe(
      '6.0|{"a":1.0,"b":[2.0,2]}|[3.0,1.5]|{"ratio":2.0,"half":0.5,"count":5,"list":[3.0,1.5]}',
    );
    expect(await r("{{ 2.0 | yaml }}")).toBe("2.0\n");
    expect(await r("{{ fromJson('{\"a\": 6.0, \"b\": 6}').a }}|{{ fromJson('{\"a\": 6.0, \"b\": 6}').b }}|{{ fromJson('[1e3]') | first }}")).toBe("6.0|6|1000.0");
  });
  it("are numbers to comparisons, tests and the filters that compute", async () => {
    expect(await r("{{ 2.0 == 2 }}|{{ 3.0 > 2 }}|{{ vars.ratio < 2.5 }}|{{ (2.0 * 3) | numberFormat('#.00') }}|{{ 0.0 | default('none') }}")).toBe("true|true|true|6.00|0.0");
    expect(await r("{{ (2.0 - 4) | abs }}|{{ (2 - 4) | abs }}|{{ (2.0 * 3) | className }}|{{ 6 | className }}|{{ [3.0, 1.0] | sort | join(',') }}")).toBe("2.0|2|java.lang.Double|java.lang.Long|1.0,3.0");
    expect(await r("{% if 0.0 %}yes{% else %}no{% endif %}|{% if vars.ratio %}yes{% endif %}")).toBe("no|yes");
  });
  it("come from the number filter when the text or the type says so (commons-lang's NumberUtils)", async () => {
    expect(await r("{{ '6' | number('DOUBLE') }}|{{ '6' | number('FLOAT') }}|{{ '6.0' | number }}|{{ '6' | number }}|{{ '6.5' | number }}")).toBe("6.0|6.0|6.0|6|6.5");
  });
  it("are handed to a macro as Doubles", async () => {
    expect(await r("{% macro show(x) %}{{ x }}{% endmacro %}{{ show(2.0) }}")).toBe("2.0");
  });
});
