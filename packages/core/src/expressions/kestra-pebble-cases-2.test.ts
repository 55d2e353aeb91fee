import { describe } from "vitest";
import { runCases, type Case } from "./pebble-cases.test-support.js";

/*
 * More assertions of Kestra's pebble tests (core/src/test/java/io/kestra/core/runners/pebble/**),
 * one row each, as kestra-pebble-cases.test.ts: the value Kestra's VariableRenderer gives.
 */

// functions/YamlFunctionTest.fromString: the YAML it reads
const yaml = `# comment
string: string
int: 123
bool: true
float: 1.23
instant: "1918-02-24T00:00:00Z"
date: "1991-08-20"
time: "23:59:59"
duration: "PT5M6S"
'null':
object:
  key: "value"
  child:
    key: "value"
array:
  - string
`;

// filters/JqFilterTest.map, YamlFilterTest.map: the values (a Java date reaches Ferry as ISO text)
const JQ_VARS = { vars: { second: { string: "string", int: 1, float: 1.123, list: ["string", 1, 1.123], bool: true, date: "2013-09-08T16:19:00+02:00", map: { string: "string", int: 1, float: 1.123 } } } };

const CASES: Case[] = [
  // functions/IsDateBeforeFunctionTest
  { test: "IsDateBeforeFunctionTest.shouldReturnTrueWhenDateIsBeforeReference", template: "{{ isDateBefore('2025-01-01', '2025-01-02') }}", expected: "true" },
  { test: "IsDateBeforeFunctionTest.shouldReturnFalseWhenDateIsAfterReference", template: "{{ isDateBefore('2025-01-02', '2025-01-01') }}", expected: "false" },
  { test: "IsDateBeforeFunctionTest.shouldReturnFalseWhenDatesAreEqual", template: "{{ isDateBefore('2025-01-01', '2025-01-01') }}", expected: "false" },
  { test: "IsDateBeforeFunctionTest.shouldReturnTrueWhenZonedDateTimeIsBeforeReference", template: "{{ isDateBefore('2025-01-01T10:00:00Z', '2025-01-01T11:00:00Z') }}", expected: "true" },
  { test: "IsDateBeforeFunctionTest.shouldReturnFalseWhenZonedDateTimeIsAfterReference", template: "{{ isDateBefore('2025-01-01T11:00:00Z', '2025-01-01T10:00:00Z') }}", expected: "false" },
  { test: "IsDateBeforeFunctionTest.shouldReturnFalseWhenZonedDateTimesAreEqual", template: "{{ isDateBefore('2025-01-01T10:00:00Z', '2025-01-01T10:00:00Z') }}", expected: "false" },
  { test: "IsDateBeforeFunctionTest.shouldReturnTrueWhenLocalDateTimeIsBeforeReference", template: "{{ isDateBefore('2025-01-01T09:00:00', '2025-01-01T10:00:00') }}", expected: "true" },
  { test: "IsDateBeforeFunctionTest.shouldAccountForTimezoneOffsetWhenComparing", template: "{{ isDateBefore('2025-01-01T10:00:00+02:00', '2025-01-01T09:00:00Z') }}", expected: "true" },
  { test: "IsDateBeforeFunctionTest.shouldSupportMixedDateAndDatetime", template: "{{ isDateBefore('2025-01-01', '2025-01-01T01:00:00Z') }}", expected: "true" },
  { test: "IsDateBeforeFunctionTest.shouldReturnFalseWhenMixedDateAndDatetimeMapToSameInstant", template: "{{ isDateBefore('2025-01-01', '2025-01-01T00:00:00Z') }}", expected: "false" },
  { test: "IsDateBeforeFunctionTest.shouldAcceptTemplateVariables", template: "{{ isDateBefore(d1, d2) }}", vars: { d1: "2025-06-01", d2: "2025-06-30" }, expected: "true" },
  { test: "IsDateBeforeFunctionTest.shouldThrowWhenDateArgumentIsMissing", template: "{{ isDateBefore() }}", error: /./ },
  { test: "IsDateBeforeFunctionTest.shouldThrowWhenReferenceArgumentIsMissing", template: "{{ isDateBefore('2025-01-01') }}", error: /./ },
  { test: "IsDateBeforeFunctionTest.shouldThrowWhenDateIsInvalid", template: "{{ isDateBefore('not-a-date', '2025-01-01') }}", error: /./ },
  { test: "IsDateBeforeFunctionTest.shouldThrowWhenReferenceIsInvalid", template: "{{ isDateBefore('2025-01-01', 'not-a-date') }}", error: /./ },
  // functions/EnvFunctionTest (env() reads the `envs` variable: ENV_-prefixed environment variables)
  { test: "EnvFunctionTest.shouldGetValueFromEnvironmentVariable", template: "{{ env('DATABASE_HOST') }}", vars: { envs: { DATABASE_HOST: "postgres" } }, expected: "postgres" },
  { test: "EnvFunctionTest.shouldGetValueFromDynamicEnvironmentVariableName", template: "{{ env(envName) }}", vars: { envs: { DATABASE_HOST: "postgres" }, envName: "DATABASE_HOST" }, expected: "postgres" },
  { test: "EnvFunctionTest.shouldReturnDefaultForMissingEnvironmentVariable", template: "{{ env('DATABASE_PORT', '5432') }}", vars: { envs: { DATABASE_HOST: "postgres" } }, expected: "5432" },
  { test: "EnvFunctionTest.shouldReturnDefaultForEmptyEnvironmentVariable", template: "{{ env('DATABASE_HOST', 'localhost') }}", vars: { envs: { DATABASE_HOST: "" } }, expected: "localhost" },
  { test: "EnvFunctionTest.shouldReturnEmptyForMissingEnvironmentVariableWithoutDefault", template: "{{ env('DATABASE_HOST') }}", vars: { envs: {} }, expected: "" },
  { test: "EnvFunctionTest.shouldFailWithoutNameArgument", template: "{{ env() }}", vars: { envs: {} }, error: "The 'env' function expects an argument 'name'." },
  // functions/RenderOncerFunctionTest
  { test: "RenderOncerFunctionTest.noRenderNeeded", template: "{{ renderOnce(input) }}", vars: { input: "test" }, expected: "test" },
  { test: "RenderOncerFunctionTest.oneLayerRender", template: "{{ renderOnce(input) }}", vars: { input: "{{someOtherVar}}", someOtherVar: "test" }, expected: "test" },
  { test: "RenderOncerFunctionTest.twoLayerRender", template: "{{ renderOnce(input) }}", vars: { input: "{{someOtherVar}}", someOtherVar: "{{yetAnotherVar}}", yetAnotherVar: "test" }, expected: "{{yetAnotherVar}}" },
  // functions/YamlFunctionTest (anchors and a null member are left out there too: Jackson's YAML)
  ...[
    ["string", "string"], ["int", "123"], ["bool", "true"], ["float", "1.23"], ["instant", "1918-02-24T00:00:00Z"],
    ["date", "1991-08-20"], ["time", "23:59:59"], ["object.child.key", "value"], ["array[0]", "string"],
  ].map(([path, expected]): Case => ({ test: "YamlFunctionTest.fromString", template: `{{ yaml(yaml).${path} }}`, vars: { yaml }, expected })),
  // filters/Sha512FilterTest (Kestra asserts only that it is not the input: here the digest)
  { test: "Sha512FilterTest.out", template: '{{ "hello" | sha512 }}', expected: "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043" },
  // functions/RenderFunctionTest (a Java LocalDateTime or Duration reaches Ferry as the text it prints)
  { test: "RenderFunctionTest.shouldRenderForString", template: "{{ render(input) }}", vars: { input: "test" }, expected: "test" },
  { test: "RenderFunctionTest.shouldRenderForInteger", template: "{{ render(input) }}", vars: { input: 42 }, expected: "42" },
  { test: "RenderFunctionTest.shouldRenderForBoolean", template: "{{ render(input) }}", vars: { input: true }, expected: "true" },
  { test: "RenderFunctionTest.shouldRenderForNull", template: "{{ render(input) }}", vars: { input: null }, expected: "" },
  { test: "RenderFunctionTest.shouldRenderForDuration", template: "{{ render(input) }}", vars: { input: "PT5S" }, expected: "PT5S" },
  { test: "RenderFunctionTest.shouldThrowOnCircularRender", template: "{{ render(input) }}", vars: { input: "{{ render(input) }}" }, error: "Maximum render() nesting depth (16) exceeded" },
  { test: "RenderFunction.toRender (its argument's name)", template: "{{ render(toRender=input, recursive=false) }}|{{ renderOnce(toRender=input) }}", vars: { input: "{{ x }}", x: "{{ y }}" }, expected: "{{ y }}|{{ y }}" },
  { test: "RenderFunction.execute (no argument)", template: "{{ render() }}", error: "The 'render' function expects an argument 'toRender'." },
  // filters/JqFilterTest
  { test: "JqFilterTest.simple", template: '{{  render(first) | jq(".second.third") }}', vars: { first: { second: { third: "{{third}}" } }, end: "awesome", third: "{{end}}" }, expected: '["awesome"]' },
  { test: "JqFilterTest.map", template: '{{ vars | jq(".second.string") | first }}|{{ vars | jq(".second.int") | first }}|{{ vars | jq(".second.float") | first }}|{{ vars | jq(".second.date") | first }}', vars: JQ_VARS, expected: "string|1|1.123|2013-09-08T16:19:00+02:00" },
  { test: "JqFilterTest.map", template: '{{ vars | jq(".second.map") | first }}', vars: JQ_VARS, expected: '{"string":"string","int":1,"float":1.123}' },
  { test: "JqFilterTest.object", template: '{% set array = vars | jq(".array") %}{{array[0][0]}}', vars: { vars: { object: { key: "value" }, array: ["arrayValue"] } }, expected: "arrayValue" },
  // filters/YamlFilterTest (Jackson's YAML: a list indented by one space)
  { test: "YamlFilterTest.map", template: "{{ vars.second.string | yaml }}|{{ vars.second.int | yaml }}|{{ vars.second.float | yaml }}|{{ vars.second.bool | yaml }}|{{ vars.second.date | yaml }}", vars: JQ_VARS, expected: "string\n|1\n|1.123\n|true\n|2013-09-08T16:19:00+02:00\n" },
  { test: "YamlFilterTest.map", template: "{{ vars.second.list | yaml }}", vars: JQ_VARS, expected: " - string\n - 1\n - 1.123\n" },
  { test: "YamlFilterTest.map", template: "{{ vars.second.map | yaml }}", vars: JQ_VARS, expected: "string: string\nint: 1\nfloat: 1.123\n" },
  // filters/NumberFilterTest
  ...[
    ['{{ "12.3" | number | className }}', "java.lang.Float"],
    ['{{ "2147483647" | number | className }}', "java.lang.Integer"],
    ['{{ "9223372036854775807" | number | className }}', "java.lang.Long"],
    ['{{ "9223372036854775807" | number(\'BIGDECIMAL\') | className }}', "java.math.BigDecimal"],
    ['{{ "9223372036854775807" | number(\'BIGINTEGER\') | className }}', "java.math.BigInteger"],
    ['{{ "9223372036854775807" | number(\'DOUBLE\') | className }}', "java.lang.Double"],
  ].map(([template, expected]): Case => ({ test: "NumberFilterTest.run", template, expected })),
  // filters/ReplaceFilterTest; a pattern that backtracks for ever ends at render.timeoutMs (Kestra's RegexUtils
  // timeout, 10 s by default, says "timed out"; Ferry's render budget, 5 s by default, says "was still running")
  { test: "ReplaceFilterTest.string", template: "{{ 'john doe is john doe' | replace({'john': 'jane'}) }}", expected: "jane doe is jane doe" },
  { test: "ReplaceFilterTest.regexp", template: "{{ 'aa1bb2cc3dd4ee5' | replace({'(\\\\d)': '-$1-'}, regexp=true) }}", expected: "aa-1-bb-2-cc-3-dd-4-ee-5-" },
  { test: "ReplaceFilterTest.regexpReDoSShouldTimeout", template: `{{ '${"a".repeat(25)}b' | replace({'(.*a){25}': 'x'}, regexp=true) }}`, limits: { timeoutMs: 200 }, error: /render\.timeoutMs is 200, .* was still running/ },
  // functions/TasksWithStateFunctionTest: the engine's function, in packages/engine/src/task-states.test.ts
  // functions/UUIDFunctionTest: 36 characters (Kestra's is a time-based UUID, version 7)
  { test: "UUIDFunctionTest.checkUuidIsNotEmpty", template: "{{ uuid() }}", expected: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/ },
  // functions/FetchContextFunctionTest
  { test: "FetchContextFunctionTest.fromString", template: "{{ fromJson(printContext() | toJson).test }}|{{ fromJson(printContext() | toJson).array }}", vars: { test: "value", array: ["a", "b", "c"] }, expected: 'value|["a","b","c"]' },
  // RecursivePebbleVariableRendererTest.renderFunctionKeepRaw (Ferry never renders a variable's value again by
  // itself, DESIGN principle 6: Kestra's recursive-rendering setting, off by default, has no counterpart)
  { test: "RecursivePebbleVariableRendererTest.renderFunctionKeepRaw", template: "{% raw %}{{first}}{% endraw %}", expected: "{{first}}" },
];

describe("Kestra pebble test assertions, row by row (2)", () => {
  runCases(CASES);
});
