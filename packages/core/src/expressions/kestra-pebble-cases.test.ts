import { describe, expect, it } from "vitest";
import { ExpressionError } from "./expression.error.js";
import { renderString } from "./render.js";

/*
 * Assertions of Kestra's pebble tests (core/src/test/java/io/kestra/core/runners/pebble/**), one
 * row each: the template, its variables, and the exact string Kestra's VariableRenderer gives (or
 * the text of the error it throws). `test` names the Kestra test class and method.
 */
interface Case {
  test: string;
  template: string;
  vars?: Record<string, unknown>;
  expected?: string;
  /** The render fails with an ExpressionError holding this text. */
  error?: string | RegExp;
}

const second = {
  string: "string",
  int: 1,
  float: 1.123,
  list: ["string", 1, 1.123],
  bool: true,
  map: { string: "string", int: 1, float: 1.123 },
};

const CASES: Case[] = [
  // filters/StartsWithFilterTest, EndsWithFilterTest
  { test: "StartsWithFilterTest.out", template: '{{ "Hello World" | startsWith("Hello") }}', expected: "true" },
  { test: "EndsWithFilterTest.out", template: '{{ "Hello World" | endsWith("World") }}', expected: "true" },
  // filters/StringFilterTest
  { test: "StringFilterTest.run", template: "{{ 12.3 | string | className }}", expected: "java.lang.String" },
  { test: "StringFilterTest.run", template: '{{ {"field":"hello"} | string | className }}', expected: "java.lang.String" },
  // filters/JsonFilterTest
  { test: "JsonFilterTest.map", template: "{{ vars.second.string | json }}", vars: { vars: { second } }, expected: '"string"' },
  { test: "JsonFilterTest.map", template: "{{ vars.second.int | json }}", vars: { vars: { second } }, expected: "1" },
  { test: "JsonFilterTest.map", template: "{{ vars.second.float | json }}", vars: { vars: { second } }, expected: "1.123" },
  { test: "JsonFilterTest.map", template: "{{ vars.second.list | json }}", vars: { vars: { second } }, expected: '["string",1,1.123]' },
  { test: "JsonFilterTest.map", template: "{{ vars.second.bool | json }}", vars: { vars: { second } }, expected: "true" },
  { test: "JsonFilterTest.map", template: "{{ vars.second.map | json }}", vars: { vars: { second } }, expected: '{"string":"string","int":1,"float":1.123}' },
  { test: "JsonFilterTest.map", template: '{{ {"empty_object":{}} | json }}', expected: '{"empty_object":{}}' },
  // filters/UrlDecodeFilter
  { test: "UrlDecodeFilter.urldecode", template: "{{ 'Kestra rulez !' | urlencode | urldecode }}", expected: "Kestra rulez !" },
  // filters/ShFilterTest
  { test: "ShFilterTest.bashShellFormat", template: "echo '{{ shellVar | sh }}'", vars: { shellVar: "foo' bar'baz" }, expected: "echo 'foo'\\'' bar'\\''baz'" },
  // filters/CondenseStringFilterTest
  { test: "CondenseStringFilterTest.condenseValidStringTest", template: '{{ "hello\n world" | condense }}', expected: "hello world" },
  { test: "CondenseStringFilterTest.condenseInvalidStringTest", template: "{{ 12 | condense }}", error: "condense can only be applied on strings" },
  // expression/GreaterThanExpressionTest, GreaterThanEqualsExpressionTest, NotInExpressionTest
  { test: "GreaterThanExpressionTest.shouldCompareStrings", template: "{{ left > right }}|{{ right > left }}|{{ left > left }}", vars: { left: "b", right: "a" }, expected: "true|false|false" },
  { test: "GreaterThanExpressionTest.shouldCompareNumbers", template: "{{ five > three }}|{{ three > five }}", vars: { five: 5, three: 3 }, expected: "true|false" },
  { test: "GreaterThanEqualsExpressionTest.shouldCompareStrings", template: "{{ left >= right }}|{{ left >= left }}|{{ right >= left }}", vars: { left: "b", right: "a" }, expected: "true|true|false" },
  { test: "GreaterThanEqualsExpressionTest.shouldCompareNumbers", template: "{{ five >= three }}|{{ five >= five }}|{{ three >= five }}", vars: { five: 5, three: 3 }, expected: "true|true|false" },
  { test: "NotInExpressionTest.shouldReturnFalseGivenNotInExprWithValidLeftOp", template: "{{ 'foo' not in ['foo', 'bar'] }}", expected: "false" },
  { test: "NotInExpressionTest.shouldReturnTrueGivenNotInExprWithWrongLeftOp", template: "{{ 'baz' not in ['foo', 'bar'] }}", expected: "true" },
  // functions/JsonFunctionTest, FromJsonFunctionTest
  { test: "JsonFunctionTest.fromString", template: `{{ json('{"test1": 1, "test2": 2, "test3": 3}').test1 }}`, expected: "1" },
  { test: "JsonFunctionTest.fromString", template: `{{ json('{"test1": [{"test1": 666}, 2, 3], "test2": 2, "test3": 3}').test1[0].test1 }}`, expected: "666" },
  { test: "JsonFunctionTest.fromString", template: "{{ json('[1, 2, 3]')[0] }}", expected: "1" },
  { test: "FromJsonFunctionTest.fronJsonFunction", template: `{{ fromJson('{"test1": 1, "test2": 2, "test3": 3}').test1 }}`, expected: "1" },
  { test: "FromJsonFunctionTest.fronJsonFunction", template: `{{ fromJson('{"empty_object":{}}') }}`, expected: '{"empty_object":{}}' },
  { test: "FromJsonFunctionTest.fronJsonFunction", template: "{{ fromJson(null) }}", expected: "" },
  { test: "FromJsonFunctionTest.exception", template: "{{ fromJson() }}", error: /./ },
  { test: "FromJsonFunctionTest.exception", template: "{{ fromJson('{not: json}') }}", error: /./ },
  // functions/BoundedRangeFunctionTest
  { test: "BoundedRangeFunctionTest.shouldRenderNormalRange", template: "{{ range(1, 5) }}", expected: "[1,2,3,4,5]" },
  { test: "BoundedRangeFunctionTest.shouldThrowWhenRangeExceedsMaxSize", template: "{{ range(0, 2000000000) }}", error: "cannot produce more than" },
  { test: "BoundedRangeFunctionTest.shouldThrowWhenDescendingRangeExceedsMaxSize", template: "{{ range(2000000000, 0, -1) }}", error: "cannot produce more than" },
  // functions/DumpFunctionTest (dump(): the old name of printContext())
  { test: "DumpFunctionTest.fromString", template: "{{ dump().test }}|{{ dump().array | join(',') }}|{{ fromJson(dump() | toJson).array[2] }}", vars: { test: "value", array: ["a", "b", "c"] }, expected: "value|a,b,c|c" },
];

describe("Kestra pebble test assertions, row by row", () => {
  for (const c of CASES) {
    it(`${c.test}: ${c.template}`, async () => {
      const rendering = renderString(c.template, { variables: c.vars ?? {} });
      if (c.error !== undefined) {
        const error = await rendering.then(
          (v) => new Error(`rendered ${JSON.stringify(v)}`),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ExpressionError);
        if (typeof c.error === "string") expect((error as Error).message).toContain(c.error);
        else expect((error as Error).message).toMatch(c.error);
      } else {
        expect(await rendering).toBe(c.expected);
      }
    });
  }
});
