import { describe, expect, it } from "vitest";
import { ExpressionError } from "./expression.error.js";
import { renderString } from "./render.js";

/*
 * Every filter of Kestra's expression docs (kestra-io/docs content/docs/expressions/index.md and
 * 03.filter/*), each with the value Kestra gives, from its tests
 * (core/src/test/java/io/kestra/core/runners/pebble/filters/*Test.java) or the docs' examples.
 */
const r = (template: string, variables: Record<string, unknown> = {}) => renderString(template, { variables });
const second = { string: "string", int: 1, float: 1.123, list: ["string", 1, 1.123], bool: true, map: { string: "string", int: 1, float: 1.123 } };

describe("JSON filters", () => {
  it("toJson, and json its old name (ToJsonFilterTest, docs)", async () => {
    expect(await r("{{ [1, 2, 3] | toJson }}|{{ true | toJson }}|{{ \"foo\" | toJson }}|{{ null | toJson }}")).toBe('[1,2,3]|true|"foo"|null');
    expect(await r("{{ list | toJson }}|{{ list | json }}", { list: second.list })).toBe('["string",1,1.123]|["string",1,1.123]');
  });

  it("jq: every result, in a list; text read as JSON first (JqFilterTest, docs)", async () => {
    expect(await r('{{ [1, 2, 3] | jq(".[0]") | first }}')).toBe("1");
    expect(await r('{{ my_vars | jq(".test[0]") }}', { my_vars: { test: [1, 2, 3] } })).toBe("[1]");
    expect(await r("{{ [1, 2, 3] | jq('.') }}")).toBe("[[1,2,3]]");
    expect(await r('{{ vars | jq(".second.string") }}|{{ vars | jq(".second.list") | first }}|{{ vars | jq(".second.bool") | first }}', { vars: { second } })).toBe('["string"]|["string",1,1.123]|true');
    expect(await r('{{ vars | jq(".second[]") }}', { vars: { second: [1, 2, 3] } })).toBe("[1,2,3]");
    expect(await r('{% set object = vars | jq(".object") %}{{ object[0].key }}', { vars: { object: { key: "value" } } })).toBe("value");
    expect(await r(`{{ '{"a": {"b": 2}}' | jq('.a.b') | first }}`)).toBe("2");
    // docs: summing a map's values
    const payload = { score: { English: 72, Maths: 88, French: 95, Spanish: 85, Science: 91 } };
    expect(await r("{{ inputs.payload.score | values | jq('reduce .[] as $num (0; .+$num)') | first }}", { inputs: { payload } })).toBe("431");
    expect(await r("{{ outputs | jq('.task1.value') | first }}", { outputs: { task1: { value: 1, text: "awesome1" }, task2: { value: 2 } } })).toBe("1");
    expect(await r("{{ x | jq('.a') }}", { x: null })).toBe("");
    await expect(r("{{ [1] | jq('.[') }}")).rejects.toThrow(/Unable to parse jq value/);
  });

  it("jq of typed values keeps Java's types (JqFilterTest.typed)", async () => {
    const vars = { string: "string", int: 1, bool: true, null: null };
    expect(await r('{{ vars | jq(".string") | first | className }}', { vars })).toBe("java.lang.String");
    expect(await r('{{ vars | jq(".int") | first | className }}', { vars })).toBe("java.lang.Integer");
    expect(await r('{{ vars | jq(".bool") | first | className }}', { vars })).toBe("java.lang.Boolean");
    expect(await r('{{ vars | jq(".null") | first | className }}', { vars })).toBe("");
  });

  it("stops a jq program that does not end at render.timeoutMs, and runs the next one", async () => {
    const error = await renderString("{{ 1 | jq('repeat(1)') }}", { variables: {}, limits: { timeoutMs: 300 } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/render\.timeoutMs is 300, the jq program 'repeat\(1\)' was still running/);
    expect(await r("{{ [1, 2] | jq('add') | first }}")).toBe("3");
  });
});

describe("numeric filters", () => {
  it("abs, number and its types, numberFormat (NumberFilterTest, docs)", async () => {
    expect(await r("{{ -7 | abs }}")).toBe("7");
    expect(await r('{{ "12.3" | number | className }}')).toBe("java.lang.Float");
    expect(await r('{{ "2147483647" | number | className }}')).toBe("java.lang.Integer");
    expect(await r('{{ "9223372036854775807" | number | className }}')).toBe("java.lang.Long");
    expect(await r('{{ "9223372036854775807" | number("BIGDECIMAL") | className }}')).toBe("java.math.BigDecimal");
    expect(await r('{{ "9223372036854775807" | number("BIGINTEGER") | className }}')).toBe("java.math.BigInteger");
    expect(await r('{{ "9223372036854775807" | number("DOUBLE") | className }}')).toBe("java.lang.Double");
    expect(await r('{{ "9223372036854775807" | number }}|{{ "12" | number + 1 }}')).toBe("9223372036854775807|13");
    await expect(r("{{ 12 | number }}")).rejects.toThrow(/can only be applied to String/);
    // docs: 3.141592653 | numberFormat("#.##"); PebbleVariableRendererTest.numberFormat
    expect(await r('{{ 3.141592653 | numberFormat("#.##") }}|{{ var | numberFormat("#.##") }}', { var: 1.232654 })).toBe("3.14|1.23");
    expect(await r("{{ 1234567.891 | numberFormat('#,##0.00') }}|{{ 0.5 | numberFormat('#%') }}|{{ 5 | numberFormat('000') }}|{{ 1234.5 | numberFormat }}")).toBe("1,234,567.89|50%|005|1,234.5");
    // HALF_EVEN, as DecimalFormat rounds: 0.125 is exact in binary
    expect(await r("{{ 0.125 | numberFormat('0.00') }}|{{ 0.135 | numberFormat('0.00') }}|{{ 12345 | numberFormat('0.###E0') }}")).toBe("0.12|0.14|1.234E4");
  });
});

describe("object filters", () => {
  it("chunk, className, distinct, flatten (ChunkFilterTest, DistinctFilterTest, FlattenFilterTest, docs)", async () => {
    expect(await r("{{ list | chunk(2) }}", { list: [1, 2, 3, 4, 5, 6, 7, 8, 9] })).toBe("[[1,2],[3,4],[5,6],[7,8],[9]]");
    await expect(r("{{ test | chunk(2) }}", { test: 1 })).rejects.toThrow(ExpressionError);
    expect(await r("{{ [1, 2, 3, 4, 5] | chunk(2) }}")).toBe("[[1,2],[3,4],[5]]");
    const list = ["one", "two", "one", "three", "four", "five", "three", 1, 2, 3, 1, 2, 2, 1.123, 2.123, 1.123, 10.5, 10.5];
    expect(await r("{{ list | distinct }}", { list })).toBe('["one","two","three","four","five",1,2,3,1.123,2.123,10.5]');
    expect(await r("{{ [] | distinct }}|{{ null | distinct }}|{{ ['1', '1', '2', '3'] | distinct }}")).toBe('[]|null|["1","2","3"]');
    await expect(r('{{ "string" | distinct }}')).rejects.toThrow(/must be a list/);
    const nestedList = ["You're doing great! Keep it up!", "Sending positive vibes your way!", ["You're awesome!", "Keep shining!"]];
    expect(await r("{{ nestedList | flatten | first }}|{{ nestedList | flatten | length }}", { nestedList })).toBe("You're doing great! Keep it up!|4");
    expect(await r("{{ 'a' | className }}|{{ 1 | className }}|{{ 1.5 | className }}|{{ [] | className }}|{{ x | className }}", { x: 2 })).toBe(
      "java.lang.String|java.lang.Long|java.lang.Double|java.util.ArrayList|java.lang.Integer",
    );
  });

  it("first, last, join, keys, values, length (KeysFilterTest, ValuesFilterTest, docs)", async () => {
    expect(await r("{{ ['apple', 'banana'] | first }}|{{ 'Mitch' | first }}|{{ ['apple', 'banana'] | last }}|{{ 'Mitch' | last }}")).toBe("apple|M|banana|h");
    expect(await r("{{ ['apple', 'banana'] | join(', ') }}|{{ [1, null, [2, 3]] | join('-') }}")).toBe("apple, banana|1-null-[2, 3]");
    expect(await r("{{ list | keys }}", { list: second.list })).toBe("[0,1,2]");
    expect(await r("{{ {'foo': 'bar', 'baz': 'qux'} | keys }}|{{ {'foo': 'bar', 'baz': 'qux'} | values }}")).toBe('["foo","baz"]|["bar","qux"]');
    await expect(r("{{ 'x' | values }}")).rejects.toThrow(/values/);
    expect(await r("{{ 'Mitch' | length }}|{{ [1, 2] | length }}|{{ {'a': 1} | length }}|{{ null | length }}|{{ 12 | length }}")).toBe("5|2|1|0|0");
  });

  it("merge, reverse, sort, rsort, slice, split (docs, Pebble's filters)", async () => {
    expect(await r("{{ [1, 2] | merge([3, 4]) }}|{{ {'a': 1} | merge({'b': 2}) }}|{{ [1] | merge({'k': 'v'}) }}")).toBe('[1,2,3,4]|{"a":1,"b":2}|[1,{"k":"v"}]');
    expect(await r("{{ ['apple', 'banana'] | reverse }}|{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | rsort }}")).toBe('["banana","apple"]|[1,2,3]|[3,2,1]');
    expect(await r("{{ ['apple', 'banana', 'cherry'] | slice(1, 2) }}|{{ 'Mitch' | slice(1, 3) }}|{{ 'Mitch' | slice(2) }}")).toBe('["banana"]|it|tch');
    await expect(r("{{ 'abc' | slice(1, 9) }}")).rejects.toThrow(/toIndex must be smaller than input size: 3/);
    expect(await r("{{ 'apple,banana,cherry' | split(',') }}|{{ 'apple,banana,cherry,grape' | split(',', 2) }}")).toBe('["apple","banana","cherry"]|["apple","banana,cherry,grape"]');
    // the delimiter is a regular expression: '.' matches everything, '\\.' a dot; trailing empty pieces go unless the limit is negative
    expect(await r("{{ 'a.b.c' | split('\\\\.') }}|{{ 'a.b.c' | split('.') }}|{{ 'a1b22c' | split('\\\\d+') }}|{{ 'a,b,,' | split(',') }}|{{ 'a,b,,' | split(',', -1) }}")).toBe(
      '["a","b","c"]|[]|["a","b","c"]|["a","b"]|["a","b","",""]',
    );
  });
});

describe("string filters", () => {
  it("abbreviate, capitalize, title, lower, upper, trim, default (docs)", async () => {
    expect(await r('{{ "this is a long sentence." | abbreviate(7) }}|{{ "Lemons to lemonade." | upper | abbreviate(10) }}|{{ "ab" | abbreviate(1) }}')).toBe("this...|LEMONS ...|ab");
    expect(await r('{{ "article title" | capitalize }}|{{ "article title" | title }}|{{ "LOUD TEXT" | lower }}|{{ "quiet sentence" | upper }}|{{ "   padded text   " | trim }}')).toBe(
      "Article title|Article Title|loud text|QUIET SENTENCE|padded text",
    );
    expect(await r('{{ user.phoneNumber | default("No phone number") }}|{{ "  " | default("blank") }}|{{ [] | default("none") }}', { user: {} })).toBe("No phone number|blank|none");
  });

  it("base64encode, base64decode, urlencode, urldecode (docs)", async () => {
    expect(await r('{{ "test" | base64encode }}|{{ "dGVzdA==" | base64decode }}')).toBe("dGVzdA==|test");
    await expect(r('{{ "not base64!" | base64decode }}')).rejects.toThrow(/not base64/);
    expect(await r('{{ "The string ü@foo-bar" | urlencode }}|{{ "The+string+%C3%BC%40foo-bar" | urldecode }}')).toBe("The+string+%C3%BC%40foo-bar|The string ü@foo-bar");
  });

  it("escapeChar (EscapeCharFilterTest)", async () => {
    expect(await r(`{{ "L'eau c'est la vie" | escapeChar('single') }}`)).toBe("L\\'eau c\\'est la vie");
    expect(await r(`{{ '"Hello"' | escapeChar('double') }}`)).toBe('\\"Hello\\"');
    expect(await r(`{{ "L'eau c'est la vie" | escapeChar('shell') }}`)).toBe("L'\\''eau c'\\''est la vie");
    expect(await r("{{ '' | escapeChar('single') }}{{ '' | escapeChar('shell') }}")).toBe("");
    await expect(r("{{ 'Hello' | escapeChar('foo') }}")).rejects.toThrow(/either 'single', 'double', or 'shell'/);
    await expect(r("{{ 'Hello' | escapeChar('') }}")).rejects.toThrow(ExpressionError);
  });

  it("indent and nindent (IndentFilterTest, NindentFilterTest)", async () => {
    expect(await r("{{ null | indent(2) }}|{{ '' | indent(2) }}|{{ 'string' | indent(2) }}|{{ 1 | indent(2) }}")).toBe("||string|1");
    expect(await r("{{ s | indent(2) }}", { s: "\n\n" })).toBe("\n  \n  ");
    expect(await r("{{ s | indent(2) }}", { s: "first line\r\nsecond line" })).toBe("first line\r\n  second line");
    expect(await r("{{ s | indent(2) }}", { s: "first line\rsecond line" })).toBe("first line\r  second line");
    expect(await r('{{ s | indent(2, "\t") }}', { s: "first line\nsecond line" })).toBe("first line\n\t\tsecond line");
    expect(await r("{{ null | nindent(2) }}|{{ '' | nindent(2) }}|{{ 'string' | nindent(2) }}|{{ 1 | nindent(2) }}")).toBe("||\n  string|\n  1");
    expect(await r("{{ s | nindent(2) }}", { s: "\n\n" })).toBe("\n  \n  \n  ");
    expect(await r("{{ s | nindent(2) }}", { s: "first line\r\nsecond line" })).toBe("\r\n  first line\r\n  second line");
    expect(await r('{{ s | nindent(2, "\t") }}', { s: "first line\nsecond line" })).toBe("\n\t\tfirst line\n\t\tsecond line");
  });

  it("replace, with regexp (ReplaceFilterTest, docs)", async () => {
    expect(await r("{{ 'john doe is john doe' | replace({'john': 'jane'}) }}")).toBe("jane doe is jane doe");
    expect(await r("{{ 'aa1bb2cc3dd4ee5' | replace({'(\\\\d)': '-$1-'}, regexp=true) }}")).toBe("aa-1-bb-2-cc-3-dd-4-ee-5-");
    expect(await r('{{ "I like %this% and %that%." | replace({"%this%": foo, "%that%": "bar"}) }}', { foo: "foo" })).toBe("I like foo and bar.");
    // a list or map has each of its strings replaced (other values as their text)
    expect(await r("{{ {'a': 'x1', 'b': ['x2', 3]} | replace({'x': 'y'}) }}")).toBe('{"a":"y1","b":["y2","3"]}');
    // a regular expression that backtracks for ever is stopped at render.timeoutMs (Kestra: a timeout too)
    const evil = "a".repeat(25) + "b";
    const error = await renderString(`{{ '${evil}' | replace({'(.*a){25}': 'x'}, regexp=true) }}`, { variables: {}, limits: { timeoutMs: 300 } }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/render\.timeoutMs is 300, the regular expression '\(\.\*a\)\{25\}' was still running/);
  });

  it("sha1, sha256, sha512, md5 of the text's UTF-8 bytes (docs, Sha1FilterTest, Md5FilterTest)", async () => {
    expect(await r('{{ "test" | sha256 }}')).toBe("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    expect(await r('{{ "hello" | sha1 }}|{{ "hello" | md5 }}')).toBe("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d|5d41402abc4b2a76b9719d911017c592");
    expect(await r('{{ "hello" | sha512 }}')).toBe("9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043");
    await expect(r("{{ 12 | sha256 }}")).rejects.toThrow(/need a string to hash/);
  });

  it("slugify, startsWith, endsWith, string, substringBefore/After(Last) (SlugifyFilterTest, SubstringFilterTest, docs)", async () => {
    expect(await r("{{ s | slugify }}|{{ \"Hello World!\" | slugify }}", { s: "Test\t\t\ntest*" })).toBe("test-test|hello-world");
    expect(await r('{{ "Hello World" | startsWith("Hello") }}|{{ "hello world" | endsWith("world") }}|{{ 123 | startsWith("12") }}')).toBe("true|true|true");
    expect(await r("{{ 12.3 | string | className }}|{{ {'field': 'hello'} | string | className }}|{{ 123 | string }}")).toBe("java.lang.String|java.lang.String|123");
    expect(await r("{{ 'a.b.c' | substringBefore('.') }}|{{ 'a.b.c' | substringAfter(separator='.') }}|{{ 'a.b.c' | substringBeforeLast(separator='.') }}|{{ 'a.b.c' | substringAfterLast('.') }}")).toBe("a|b.c|a.b|c");
    // StringUtils: a separator not found keeps the text (before) or gives nothing (after)
    expect(await r("{{ 'abc' | substringBefore('x') }}|{{ 'abc' | substringAfter('x') }}|{{ 'abc' | substringBeforeLast('x') }}|{{ 'abc' | substringAfterLast('x') }}|")).toBe("abc||abc||");
  });
});

describe("YAML and Ion filters", () => {
  it("yaml prints a value as Jackson's YAML generator does (YamlFilterTest)", async () => {
    const vars = { vars: { second } };
    expect(await r("{{ vars.second.string | yaml }}", vars)).toBe("string\n");
    expect(await r("{{ vars.second.int | yaml }}", vars)).toBe("1\n");
    expect(await r("{{ vars.second.float | yaml }}", vars)).toBe("1.123\n");
    expect(await r("{{ vars.second.list | yaml }}", vars)).toBe(" - string\n - 1\n - 1.123\n");
    expect(await r("{{ vars.second.bool | yaml }}", vars)).toBe("true\n");
    const map = await r("{{ vars.second.map | yaml }}", vars);
    for (const line of ["int: 1\n", "float: 1.123\n", "string: string\n"]) expect(map).toContain(line);
    expect(await r("{{ {'a': {'b': [1, {'c': 'true'}]}, 'e': [], 'n': null, 's': 'x: y'} | yaml }}")).toBe('a:\n  b:\n   - 1\n   - c: "true"\ne: []\n"n": null\ns: "x: y"\n');
    expect(await r("{{ null | yaml }}")).toBe("null");
  });

  it("toIon prints Ion text (ToIonFilterTest)", async () => {
    expect(await r("{{ s | toIon }}|{{ i | toIon }}|{{ b | toIon }}|{{ null | toIon }}", { s: "string", i: 1, b: true })).toBe('"string"|1|true|null');
    expect(await r('{{ {"empty_object":{}} | toIon }}')).toBe("{empty_object:{}}");
    expect(await r("{{ m | toIon }}", { m: { int: 1, string: "string" } })).toBe('{int:1,string:"string"}');
  });
});
