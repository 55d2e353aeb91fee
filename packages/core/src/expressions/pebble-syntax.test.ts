import { describe, expect, it } from "vitest";
import { ExpressionError } from "./expression.error.js";
import { checkTemplate, renderString } from "./render.js";

/*
 * Pebble's syntax as Kestra runs it (Pebble 4 with Kestra's Extension and ExtensionCustomizer):
 * operators and their precedence, literals, tags, whitespace control. Expected values come from
 * Kestra's tests (core/src/test/java/io/kestra/core/runners/pebble/**) and documentation
 * (kestra-io/docs content/docs/expressions/index.md), each named beside it.
 */
const r = (template: string, variables: Record<string, unknown> = {}) => renderString(template, { variables });

describe("operators", () => {
  it("concatenates with ~ and interpolates double-quoted strings", async () => {
    // PebbleVariableRendererTest.out: "apple" ~ "pear" ~ "banana"
    expect(await r('{{ "apple" ~ "pear" ~ "banana" }}')).toBe("applepearbanana");
    // Pebble's ~ prints Java's toString: null as nothing, a list as [a, b]
    expect(await r("{{ 'a' ~ null ~ [1, 2] ~ 3 }}")).toBe("a[1, 2]3");
    expect(await r('{{ "Hello #{name}, #{ 1 + 2 }!" }}', { name: "Ada" })).toBe("Hello Ada, 3!");
    // single quotes do not interpolate
    expect(await r("{{ 'Hello #{name}' }}", { name: "Ada" })).toBe("Hello #{name}");
  });

  it("unescapes only quotes and backslashes in strings, as Pebble's lexer does", async () => {
    // ReplaceFilterTest.regexp writes '(\\d)' in Pebble for the regex (\d)
    expect(await r("{{ 'a\\\\d' }}")).toBe("a\\d");
    expect(await r("{{ 'it\\'s' }}|{{ \"say \\\"hi\\\"\" }}")).toBe("it's|say \"hi\"");
    expect(await r("{{ 'a\\nb' }}")).toBe("a\\nb");
  });

  it("does Pebble's arithmetic: whole numbers as Longs, a Double when either side is one", async () => {
    // docs 05.operator.md: {{ 11 % 7 }} is 4; 2 + 2 / (10 % 3) * (8 - 1)
    expect(await r("{{ 11 % 7 }}|{{ 2 + 2 / ( 10 % 3 ) * (8 - 1) }}|{{ 3 - 2 }}|{{ 2 * 2 }}")).toBe("4|16|1|4");
    expect(await r("{{ 7 / 2 }}|{{ 7 / 2.0 }}|{{ 2.5 * 2 }}|{{ 10 / 4 * 1.0 }}")).toBe("3|3.5|5.0|2.0");
    expect(await r("{{ 100 + 10l * 2.5 }}")).toBe("125.0");
    await expect(r("{{ 1 / 0 }}")).rejects.toThrow(/by zero/);
    // a string on either side of + concatenates (OperatorUtils.add); other operators want numbers
    expect(await r("{{ '4' + 2 }}|{{ 1 + '2' }}|{{ 'x' + null }}")).toBe("42|12|xnull");
    await expect(r("{{ '5' - 1 }}")).rejects.toThrow(/invalid operands for mathematical operation \[SUBTRACT\]/);
    // a list + appends (Pebble's addToList)
    expect(await r("{{ [1, 2] + 3 }}|{{ [1, 2] + [3] }}|{{ [1, 2, 1] - 1 }}")).toBe("[1,2,3]|[1,2,3]|[2,1]");
    expect(await r("{{ -7 | abs }}|{{ -(2 + 3) }}")).toBe("7|-5");
  });

  it("compares numbers, and strings by text (Kestra's comparison expressions)", async () => {
    // LessThanExpressionTest: left 'a', right 'b'
    expect(await r("{{ left < right }}|{{ right < left }}|{{ left < left }}", { left: "a", right: "b" })).toBe("true|false|false");
    expect(await r("{{ three < five }}|{{ five < three }}", { three: 3, five: 5 })).toBe("true|false");
    expect(await r("{{ 1 == 1.0 }}|{{ '1' == 1 }}|{{ null == null }}|{{ [1, 2] == [1, 2] }}|{{ {'a': 1, 'b': 2} equals {'b': 2, 'a': 1} }}")).toBe("true|false|true|true|true");
    // null on either side makes every order comparison false
    expect(await r("{{ null < 1 }}|{{ null >= 1 }}")).toBe("false|false");
    await expect(r("{{ 'a' < 1 }}")).rejects.toThrow(/cannot compare/);
  });

  it("answers contains, in and not in", async () => {
    // docs: contains on lists, maps (keys), strings, and several items at once
    expect(await r('{{ ["apple", "pear", "banana"] contains "apple" }}|{{ {"apple":"red", "banana":"yellow"} contains "banana" }}|{{ ["apple", "pear", "banana", "peach"] contains ["apple", "peach"] }}|{{ "hello" contains "ell" }}')).toBe("true|true|true|true");
    // InExpressionTest: a list's elements, a map's keys or values, by their text
    expect(await r("{{ 'foo' in value }}", { value: ["foo", "bar"] })).toBe("true");
    expect(await r("{{ 'foo' in value }}", { value: { foo: "bar" } })).toBe("true");
    expect(await r("{{ 'baz' in value }}", { value: ["foo", "bar"] })).toBe("false");
    expect(await r("{{ 'bar' in value }}|{{ 1 in ['1'] }}|{{ 'baz' not in value }}", { value: { foo: "bar" } })).toBe("true|true|true");
  });

  it("coalesces null and undefined with ??, undefined only with ???", async () => {
    // NullCoalescingExpressionTest
    const vars = { block: { test: { child: "awesome" } }, inner: "test" };
    expect(await r("{{ inner.bla ?? block.test.child }}", vars)).toBe("awesome");
    expect(await r("{{ block[missing].child ?? block[missing2].child ?? block[inner].child }}", vars)).toBe("awesome");
    await expect(r("{{ missing ?? missing2 }}", vars)).rejects.toThrow(ExpressionError);
    expect(await r("{{ block ?? 'UNDEFINED' }}", { block: {} })).toBe("{}");
    expect(await r("{{ null ?? 'IS NULL' }}|{{ undefined ?? 'IS UNDEFINED' }}")).toBe("IS NULL|IS UNDEFINED");
    // UndefinedCoalescingExpressionTest
    expect(await r("{{ null ??? 'IS NULL' }}|{{ undefined ??? 'IS UNDEFINED' }}")).toBe("|IS UNDEFINED");
  });

  it("binds as Pebble's operator table says: filters over arithmetic, ?? and ~ over filters, not over its term", async () => {
    // ?? (120) binds tighter than | (100): the chosen value is filtered
    expect(await r("{{ a ?? b | upper }}", { a: "x", b: "y" })).toBe("X");
    expect(await r("{{ 'a' ~ 'b' | upper }}|{{ 1 + -2 | abs }}|{{ 0..2 | join(',') }}")).toBe("AB|3|0,1,2");
    expect(await r("{{ not false and false }}|{{ not (false and false) }}")).toBe("false|true");
    // is (20) binds looser than == (30) and tighter than and (15)
    expect(await r("{{ 2 is even and 3 is odd }}|{{ (3 is not even) and (2 is odd or 3 is even) }}|{{ 1 + 1 is even }}")).toBe("true|false|true");
    expect(await r('{{ foo == null ? bar : baz }}', { foo: null, bar: "b", baz: "z" })).toBe("b");
  });

  it("reads literals: booleans, null, none, lists, maps whose keys are expressions", async () => {
    expect(await r("{{ true }}|{{ FALSE }}|{{ none }}|{{ [1, 'a'] }}|{{ {'k': 1} }}")).toBe("true|false||[1,\"a\"]|{\"k\":1}");
    expect(await r("{{ {name: 1} }}", { name: "dynamic" })).toBe('{"dynamic":1}');
  });
});

describe("tags", () => {
  it("loops with loop.index, revindex, first, last, length, and else on empty", async () => {
    // docs index.md, the for tag
    expect(await r("{% for u in users %}{{ loop.index }}{{ loop.revindex }}{{ loop.first ? 'F' : '' }}{{ loop.last ? 'L' : '' }}{{ loop.length }} {% endfor %}", { users: ["a", "b", "c"] })).toBe(
      "02F3 113 20L3 ",
    );
    expect(await r("{% for u in users %}{{ u }}{% else %}No users found.{% endfor %}", { users: [] })).toBe("No users found.");
    // a map loops over its entries: entry.key, entry.value
    expect(await r("{% for entry in map %}{{ entry.key }}: {{ entry.value }};{% endfor %}", { map: { a: 1, b: 2 } })).toBe("a: 1;b: 2;");
    expect(await r("{% for i in 0..3 %}{{ i }},{% endfor %}|{% for i in range(0, 6, 2) %}{{ i }},{% endfor %}")).toBe("0,1,2,3,|0,2,4,6,");
  });

  it("branches with if, elseif and else", async () => {
    const t = '{% if category == "news" %}{{ news }}{% elseif category == "sports" %}{{ sports }}{% else %}Select a category{% endif %}';
    expect(await r(t, { category: "sports", news: "N", sports: "S" })).toBe("S");
    expect(await r(t, { category: "x", news: "N", sports: "S" })).toBe("Select a category");
    expect(await r("{% if users is empty %}none{% elseif users.length == 1 %}one{% else %}many{% endif %}", { users: ["a"] })).toBe("one");
  });

  it("sets variables, and keeps raw and verbatim text as it is", async () => {
    expect(await r('{% set header = "Welcome Page" %}{{ header }}')).toBe("Welcome Page");
    // PebbleVariableRendererTest.raw
    expect(await r("See some code {% raw %}{{ var }}{% endraw %}", { var: "1" })).toBe("See some code {{ var }}");
    expect(await r("See some code {%raw%}{{ var }}{%endraw%}", { var: "1" })).toBe("See some code {{ var }}");
    expect(await r("See some code {%-  raw%}{{ var }}{%endraw -%}", { var: "1" })).toBe("See some code {{ var }}");
    expect(await r("See some code {% raw %}{{ var }}{% endraw %} and some other code {% raw %}{{ var2 }}{% endraw %}")).toBe("See some code {{ var }} and some other code {{ var2 }}");
    expect(await r("{% verbatim %}{{ x }}{% endverbatim %}")).toBe("{{ x }}");
  });

  it("applies filters to a block with the filter tag", async () => {
    // docs: {% filter upper %} hello {% endfilter %}; chained: lower | title
    expect(await r("{% filter upper %}hello{% endfilter %}")).toBe("HELLO");
    expect(await r("{% filter lower | title %}hello WORLD{% endfilter %}")).toBe("Hello World");
  });

  it("defines macros with defaults, seeing only their arguments (and _context when given it)", async () => {
    // docs: {% macro input(type="text", name, value="") %} … {{ input(name="country") }}
    const macro = '{% macro input(type="text", name, value="") %}type: "{{ type }}", name: "{{ name }}", value: "{{ value }}"{% endmacro %}';
    expect(await r(`${macro}{{ input(name="country") }}`)).toBe('type: "text", name: "country", value: ""');
    expect(await r('{{ input("text", "example") }}{% macro input(type, name) %}{{ name }} is of type {{ type }}{% endmacro %}')).toBe("example is of type text");
    expect(await r("{% set foo = 'bar' %}{{ test(_context) }}{% macro test(_context) %}{{ _context.foo }}{% endmacro %}")).toBe("bar");
    await expect(r("{% macro m() %}{{ secret_var }}{% endmacro %}{{ m() }}", { secret_var: "x" })).rejects.toThrow(/secret_var/);
  });

  it("renders a block again with block()", async () => {
    // PebbleVariableRendererTest.macro
    expect(await r('{% block "post" %} content {% endblock %}{{ block("post") }}')).toBe(" content  content ");
    expect(await r("{% block header %}Intro{% endblock %}|{{ block('header') }}")).toBe("Intro|Intro");
  });

  it("trims whitespace around tags marked with -, and keeps new lines otherwise (newLineTrimming is off)", async () => {
    expect(await r("a  {{- 'b' -}}  c")).toBe("abc");
    expect(await r("{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}")).toBe("12");
    expect(await r("{% if true %}\nyes\n{% endif %}")).toBe("\nyes\n");
    expect(await r("a {#- comment -#} b")).toBe("ab");
  });

  it("refuses the tags Kestra removes, and names an unknown tag", async () => {
    expect(() => checkTemplate("{% include 'x' %}")).toThrow(/'\{% include %\}' tag is not available in Kestra flows/);
    expect(() => checkTemplate("{% extends 'x' %}")).toThrow(/not available/);
    expect(() => checkTemplate("{% frobnicate %}")).toThrow(/unknown tag '\{% frobnicate %\}'/);
    await expect(r("{{ parent() }}")).rejects.toThrow(/no template inheritance/);
  });
});

describe("tests", () => {
  it("answers defined, null, empty, even, odd, iterable, map and json", async () => {
    // PebbleVariableRendererTest.firstDefined
    const vars = { block: { test: { child: "awesome" } }, inner: "test" };
    expect(await r("{{ inner.bla is not defined ? block.test.child : null }}", vars)).toBe("awesome");
    await expect(r("{{ missing is defined ? missing : missing2 }}", vars)).rejects.toThrow(ExpressionError);
    expect(await r("{{ list[3] is defined ? bla : null }}", { list: [1] })).toBe("");
    // EmptyTest: null, blank text, empty list or map
    expect(await r("{{ x is empty }}|{{ '  ' is empty }}|{{ [] is empty }}|{{ {} is empty }}|{{ 'a' is empty }}", { x: null })).toBe("true|true|true|true|false");
    expect(await r("{{ 2 is even }}|{{ 3 is odd }}|{{ 3 is not even }}|{{ -3 is odd }}")).toBe("true|true|true|true");
    expect(await r("{{ [1] is iterable }}|{{ 'abc' is iterable }}|{{ {'a': 1} is map }}|{{ [1] is map }}|{{ x is null }}", { x: null })).toBe("true|false|true|false|true");
    // JsonTest: a list or map, or text Jackson reads
    expect(await r(`{{ '{"test": 1}' is json }}|{{ 'nope' is json }}|{{ [1] is json }}|{{ 12 is json }}`)).toBe("true|false|true|false");
  });
});
