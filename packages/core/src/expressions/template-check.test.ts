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

  it("validates clean every filter, function, test and tag of Kestra's expression docs", () => {
    // kestra-io/docs content/docs/expressions/index.md: Basic, JSON, Numeric, Object, String, Temporal, YAML filters; functions; tags; tests
    const filters = [
      "toJson", "json", "toIon", "jq('.')", "abs", "number", "numberFormat('#.##')", "chunk(2)", "className", "distinct", "first", "join(',')", "keys", "values", "last",
      "length", "merge([1])", "reverse", "rsort", "slice(1)", "sort", "split(',')", "abbreviate(3)", "base64decode", "base64encode", "capitalize", "title", "default('x')",
      "escapeChar('single')", "lower", "replace({'a': 'b'})", "sha256", "sha1", "sha512", "md5", "startsWith('a')", "endsWith('a')", "slugify", "substringAfter('.')",
      "substringAfterLast('.')", "substringBefore('.')", "substringBeforeLast('.')", "trim", "upper", "urldecode", "urlencode", "string", "date('yyyy')", "dateAdd(1, 'DAYS')",
      "timestamp", "timestampMicro", "timestampMilli", "timestampNano", "yaml", "indent(2)", "nindent(2)", "flatten",
    ];
    for (const filter of filters) expect(() => checkTemplate(`{{ x | ${filter} }}`), filter).not.toThrow();
    const functions = [
      "errorLogs()", "currentEachOutput(outputs.x)", "fromJson('{}')", "fromIon('{}')", "yaml('a: 1')", "max(1, 2)", "min(1, 2)", "now()", "range(0, 3)", "printContext()",
      "read('f')", "render('x')", "renderOnce('x')", "secret('S')", "randomInt(1, 10)", "uuid()", "randomPort()", "fileSize('f')", "fileExists('f')", "fileEmpty('f')",
      "isFileEmpty('f')", "fileURI('f')", "http(uri='http://x')", "kv('k')", "block('b')",
    ];
    for (const call of functions) expect(() => checkTemplate(`{{ ${call} }}`), call).not.toThrow();
    for (const test of ["defined", "empty", "even", "iterable", "json", "map", "null", "odd"]) expect(() => checkTemplate(`{{ x is not ${test} }}`), test).not.toThrow();
    const tags = [
      "{% block b %}x{% endblock %}", "{% filter upper | title %}x{% endfilter %}", "{% for u in users %}{{ loop.index }}{% else %}none{% endfor %}",
      "{% if a %}1{% elseif b %}2{% else %}3{% endif %}", '{% macro input(type="text", name) %}{{ name }}{% endmacro %}{{ input(name="n") }}', "{% raw %}{{ x }}{% endraw %}",
      "{% set a = 1 %}", "{{ a ~ b }}{{ a contains b }}{{ a is not odd }}{{ a ?? b ?? c }}{{ a ??? b }}{{ a ? b : c }}{{ a in b }}{{ a not in b }}{{ a equals b }}",
    ];
    for (const tag of tags) expect(() => checkTemplate(tag), tag).not.toThrow();
  });

  it("refuses a named argument a filter or function does not take, at deploy and when it renders (Pebble refuses it too)", async () => {
    expect(() => checkTemplate("{{ x | date(fromat='yyyy') }}")).toThrow(/filter 'date' has no argument 'fromat' \(format, timeZone, existingFormat, locale\)/);
    expect(() => checkTemplate("{{ now(timezone='UTC') }}")).toThrow(/function 'now' has no argument 'timezone'/);
    expect(() => checkTemplate("{{ x | upper('a') }}")).toThrow(/filter 'upper' takes no arguments, got 1/);
    expect(() => checkTemplate("{{ x | split(',', delimiter=';') }}")).toThrow(/argument 'delimiter' is given twice/);
    expect(() => checkTemplate("{{ max(1, 2, 3, 4) }}{{ range(start=0, end=2) }}{{ x | date('yyyy', timeZone='UTC') }}")).not.toThrow();
    await expect(renderString("{{ render(t) }}", { variables: { t: "{{ 'x' | abbreviate(lenght=1) }}" } })).rejects.toThrow(/filter 'abbreviate' has no argument 'lenght'/);
    expect(await renderString("{{ range(start=1, end=3) }}", { variables: {} })).toBe("[1,2,3]");
  });

  it("says which functions Kestra has that Ferry does not do yet", () => {
    expect(() => checkTemplate("{{ tasksWithState('failed') }}")).not.toThrow();
    expect(() => checkTemplate("{{ encrypt('k', 'v') }}")).not.toThrow();
    expect(() => checkTemplate("{{ i18n('k') }}")).toThrow(/i18n\(\) is not supported by Ferry yet/);
    // the docs' Enterprise Edition functions (expressions/04.functions: data access, workflow helpers)
    expect(() => checkTemplate("{{ credential('my_oauth') }}")).toThrow(/credential\(\) is a Kestra Enterprise Edition function/);
    expect(() => checkTemplate("{{ appLink(baseUrl=true) }}")).toThrow(/appLink\(\) is a Kestra Enterprise Edition function/);
    // Kestra's ExtensionCustomizer removes Pebble's escape and raw filters (numberformat too, added back as numberFormat)
    for (const removed of ["escape", "raw", "numberformat"]) expect(() => checkTemplate(`{{ 'a' | ${removed} }}`)).toThrow(new RegExp(removed));
  });

  it("knows every test the evaluator answers", async () => {
    for (const test of TESTS) {
      await expect(renderString(`{{ 2 is ${test} }}`, { variables: {} })).resolves.toBeDefined();
    }
  });
});
