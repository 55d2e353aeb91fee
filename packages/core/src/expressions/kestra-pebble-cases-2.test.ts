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
