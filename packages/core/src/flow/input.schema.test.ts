import corePlugin from "@ferry/plugin-core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";

const registry = new PluginRegistry([corePlugin]);
const TASKS = "tasks:\n  - { id: log, type: core.Log, message: hi }\n";
const flowWith = (inputs: string, outputs = "") => `id: f\nnamespace: n\ninputs:\n${inputs}${TASKS}${outputs}`;

function errorsOf(source: string) {
  try {
    parseFlow(source, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).status).toBe(422);
    return (error as UserError).errors ?? [];
  }
  throw new Error("expected the flow to be refused");
}
const problem = (inputs: string) => errorsOf(flowWith(inputs));

describe("input declarations at deploy", () => {
  it("accepts every rule Ferry honours, per type", () => {
    const flow = parseFlow(
      flowWith(`  - { id: user, type: STRING, validator: "^student(\\\\d+)?$", defaults: student, displayName: User, description: who }
  - { id: token, type: SECRET, validator: "[a-z]+", required: false }
  - { id: age, type: INT, min: 18, max: 120, defaults: 42 }
  - { id: ratio, type: FLOAT, min: 0, max: 1.5 }
  - { id: wait, type: DURATION, min: PT1M, max: PT1H, defaults: PT5M }
  - { id: when, type: DATETIME, after: "2024-01-01T00:00:00Z", before: "2030-01-01T00:00:00Z" }
  - { id: day, type: DATE, after: "2024-01-01", defaults: "2024-06-01" }
  - { id: at, type: TIME, before: "18:00" }
  - { id: size, type: SELECT, values: [small, large], allowCustomValue: true, defaults: medium }
  - { id: tags, type: MULTISELECT, values: [a, b], itemType: STRING, defaults: [a] }
  - { id: list, type: ARRAY, itemType: INT, defaults: [1, 2] }
  - { id: report, type: FILE, allowedFileExtensions: [".csv"], required: false }
  - { id: legacy, type: ENUM, values: [A, B] }
`),
      registry,
    );
    expect(flow.inputs?.map((i) => i.id)).toEqual(["user", "token", "age", "ratio", "wait", "when", "day", "at", "size", "tags", "list", "report", "legacy"]);
  });

  it("reads Kestra's deprecated spellings: name for id, MULTISELECT options for values", () => {
    const flow = parseFlow(flowWith("  - name: who\n    type: STRING\n  - { id: pick, type: MULTISELECT, options: [x, y] }\n  - { id: same, name: same, type: INT }\n"), registry);
    expect(flow.inputs).toEqual([{ id: "who", type: "STRING" }, { id: "pick", type: "MULTISELECT", values: ["x", "y"] }, { id: "same", type: "INT" }]);
    expect(problem("  - { id: a, name: b, type: STRING }\n")).toEqual([expect.objectContaining({ path: "inputs[0].name", message: expect.stringMatching(/deprecated spelling of 'id'/) })]);
    expect(problem("  - { id: a, type: MULTISELECT, options: [x], values: [y] }\n")).toEqual([expect.objectContaining({ path: "inputs[0].options", message: expect.stringMatching(/deprecated name for 'values': you can't define both `values` and `options`/) })]);
  });

  it("refuses an unknown property, a typo or another type's rule, by name and line", () => {
    expect(problem("  - id: age\n    type: INT\n    requird: true\n")).toEqual([expect.objectContaining({ path: "inputs[0].requird", message: expect.stringMatching(/unknown property 'requird'/), line: 6 })]);
    expect(problem("  - { id: s, type: STRING, min: 1 }\n")).toEqual([expect.objectContaining({ path: "inputs[0].min", message: expect.stringMatching(/unknown property 'min'/) })]);
    expect(problem("  - { id: s, type: SELECT, values: [a], allowInput: true }\n")).toEqual([expect.objectContaining({ path: "inputs[0].allowInput" })]);
  });

  it("refuses an id Kestra's Input pattern refuses: one that does not start with a letter or a digit", () => {
    for (const id of ["_private", "-dash", ".dot"]) {
      expect(problem(`  - { id: "${id}", type: STRING }\n`)).toEqual([expect.objectContaining({ path: "inputs[0].id", message: expect.stringMatching(/starts with a letter or a digit/) })]);
    }
    expect(() => parseFlow(flowWith("  - { id: 9lives, type: STRING, required: false }\n  - { id: nested.more_int, type: INT, required: false }\n"), registry)).not.toThrow();
  });

  it("accepts SELECT and MULTISELECT values as {label, value} (Kestra's ValueOption), and refuses one without its value", () => {
    expect(() => parseFlow(flowWith("  - id: env\n    type: SELECT\n    values:\n      - { label: Production, value: '123' }\n      - dev\n    defaults: '123'\n"), registry)).not.toThrow();
    expect(problem("  - { id: env, type: SELECT, values: [{ label: Production }] }\n")).not.toEqual([]);
    expect(problem("  - { id: env, type: SELECT, values: [{ label: Production, value: p }], defaults: Production }\n")).toEqual([expect.objectContaining({ path: "inputs[0].defaults" })]);
  });

  it("prefill (Kestra 1.1): kept for the run form, typed like a value, never with defaults", () => {
    expect(parseFlow(flowWith("  - { id: a, type: INT, prefill: 3, required: false }\n"), registry).inputs).toEqual([{ id: "a", type: "INT", prefill: 3, required: false }]);
    expect(() => parseFlow(flowWith("  - { id: a, type: STRING, prefill: x, defaults: y }\n"), registry)).toThrow(/Inputs with a default value cannot also have a prefill/);
    expect(() => parseFlow(flowWith("  - { id: a, type: INT, prefill: many }\n"), registry)).toThrow(/input 'a' \(INT\): the prefill 'many' is not an integer/);
  });

  it("accepts FILE's deprecated extension, which Kestra 1.x ignores as Ferry does (an upload keeps its own name)", () => {
    expect(parseFlow(flowWith("  - { id: a, type: FILE, extension: .csv }\n"), registry).inputs).toEqual([{ id: "a", type: "FILE", extension: ".csv" }]);
  });

  it("isRadio: a SELECT's display, kept for the run form", () => {
    expect(parseFlow(flowWith("  - { id: a, type: SELECT, values: [x, y], isRadio: true }\n"), registry).inputs).toEqual([{ id: "a", type: "SELECT", values: ["x", "y"], isRadio: true }]);
    expect(() => parseFlow(flowWith("  - { id: a, type: SELECT, values: [x, y], isRadio: often }\n"), registry)).toThrow(/isRadio/);
  });

  it("refuses a BOOLEAN default that is not true or false, as Kestra reads a default through Jackson", () => {
    expect(() => parseFlow(flowWith("  - { id: a, type: BOOLEAN, defaults: maybe }\n"), registry)).toThrow(/the default 'maybe' is not a boolean \(true or false\)/);
    expect(parseFlow(flowWith("  - { id: a, type: BOOLEAN, defaults: \"TRUE\" }\n"), registry).inputs).toEqual([{ id: "a", type: "BOOLEAN", defaults: "TRUE" }]);
  });

  it("reads type BOOL as BOOLEAN, as Kestra's BoolInput does", () => {
    expect(parseFlow(flowWith("  - { id: a, type: BOOL, defaults: true }\n"), registry).inputs).toEqual([{ id: "a", type: "BOOLEAN", defaults: true }]);
  });

  it("refuses a template in a rule (a default, an expression and a dependsOn condition render when an execution starts)", () => {
    expect(parseFlow(flowWith("  - { id: a, type: DATETIME, defaults: \"{{ now() }}\" }\n"), registry).inputs?.[0].defaults).toBe("{{ now() }}");
    expect(problem("  - { id: a, type: INT, max: \"{{ vars.max }}\" }\n")).toEqual([expect.objectContaining({ message: expect.stringMatching(/a template in input property 'max'/) })]);
  });

  it("checks the defaults against the rules: a default of 200 with max 100 is refused", () => {
    expect(problem("  - id: age\n    type: INT\n    max: 100\n    defaults: 200\n")).toEqual([
      expect.objectContaining({ path: "inputs[0].defaults", message: "input 'age' (INT): the default 200 is more than max 100", line: 7 }),
    ]);
    expect(problem("  - { id: s, type: STRING, validator: \"[a-z]+\", defaults: ABC }\n")).toEqual([expect.objectContaining({ path: "inputs[0].defaults", message: expect.stringMatching(/the default 'ABC' does not match validator/) })]);
    expect(problem("  - { id: s, type: SELECT, values: [a, b], defaults: c }\n")).toEqual([expect.objectContaining({ message: expect.stringMatching(/the default 'c' is not one of the values a, b/) })]);
    expect(problem("  - { id: d, type: DATE, before: \"2020-01-01\", defaults: \"2021-01-01\" }\n")).toEqual([expect.objectContaining({ message: expect.stringMatching(/later than before 2020-01-01/) })]);
    expect(problem("  - { id: l, type: ARRAY, itemType: INT, defaults: [1, x] }\n")).toEqual([expect.objectContaining({ message: expect.stringMatching(/item 1: 'x' is not an integer/) })]);
  });

  it("refuses rules that cannot hold: bad bounds, a bad regex, a missing itemType or values", () => {
    expect(problem("  - { id: a, type: INT, min: 10, max: 5 }\n")).toEqual([expect.objectContaining({ path: "inputs[0].max", message: "input 'a' (INT): min 10 is more than max 5" })]);
    expect(problem("  - { id: a, type: DATE, after: \"2024-02-01\", before: \"2024-01-01\" }\n")).toEqual([expect.objectContaining({ path: "inputs[0].before", message: expect.stringMatching(/after 2024-02-01 is later than before 2024-01-01/) })]);
    expect(problem("  - { id: a, type: DATETIME, after: yesterday }\n")).toEqual([expect.objectContaining({ path: "inputs[0].after", message: expect.stringMatching(/'yesterday' is not an ISO-8601 instant/) })]);
    expect(problem("  - { id: a, type: DURATION, max: 5m }\n")).toEqual([expect.objectContaining({ path: "inputs[0].max", message: expect.stringMatching(/not an ISO-8601 duration/) })]);
    expect(problem("  - { id: a, type: INT, max: 1.5 }\n")).toEqual([expect.objectContaining({ path: "inputs[0].max" })]);
    expect(problem("  - { id: a, type: STRING, validator: \"a*+\" }\n")).toEqual([expect.objectContaining({ path: "inputs[0].validator", message: expect.stringMatching(/possessive quantifier/) })]);
    expect(problem("  - { id: a, type: ARRAY }\n")).toEqual([expect.objectContaining({ path: "inputs[0].itemType" })]);
    expect(problem("  - { id: a, type: ARRAY, itemType: ARRAY }\n")).toEqual([expect.objectContaining({ path: "inputs[0].itemType", message: expect.stringMatching(/ARRAY items cannot be ARRAY/) })]);
    expect(problem("  - { id: a, type: SELECT }\n")).toEqual([expect.objectContaining({ path: "inputs[0].values" })]);
    expect(problem("  - { id: a, type: Text }\n")).toEqual([expect.objectContaining({ path: "inputs[0].type", message: expect.stringMatching(/^unknown input type 'Text' \(one of STRING, INT/) })]);
  });
});

describe("output declarations at deploy", () => {
  const outputs = (list: string) => flowWith("  - { id: a, type: STRING, required: false }\n", `outputs:\n${list}`);
  it("accepts id, type, value, description and displayName", () => {
    const flow = parseFlow(outputs("  - { id: o, type: STRING, value: x, description: d, displayName: O }\n"), registry);
    expect(flow.outputs).toEqual([{ id: "o", type: "STRING", value: "x", description: "d", displayName: "O" }]);
  });
  it("refuses a typo; takes Kestra's required", () => {
    expect(errorsOf(outputs("  - { id: o, type: STRING, valeu: x }\n"))).toEqual([
      expect.objectContaining({ path: "outputs[0].value", message: "an output needs a value" }),
      expect.objectContaining({ path: "outputs[0].valeu", message: expect.stringMatching(/unknown property 'valeu'/) }),
    ]);
    expect(() => parseFlow(outputs("  - { id: o, type: STRING, value: x, required: false }\n"), registry)).not.toThrow();
  });
});

/* Kestra's ObjectInput and TableInput, as core/src/test/resources/flows/valids/inputs.yaml declares `disk` and `disks` */
describe("OBJECT and TABLE declarations at deploy", () => {
  it("accepts properties and columns that are input declarations of their own, and rows bounds", () => {
    const flow = parseFlow(
      flowWith(`  - id: disk
    type: OBJECT
    required: false
    properties:
      - { id: size_gb, type: INT, min: 10 }
      - { id: mountpoint, type: STRING, validator: "^/.*", required: false }
  - id: disks
    type: TABLE
    rows: { max: 2 }
    columns:
      - { id: size_gb, type: INT, min: 10 }
      - { id: region, type: SELECT, values: [eu, us] }
`),
      registry,
    );
    expect(flow.inputs?.map((i) => i.type)).toEqual(["OBJECT", "TABLE"]);
  });

  it("refuses, by name, what Kestra's ObjectInput and TableInput refuse", () => {
    const messages = (inputs: string) => problem(inputs).map((e) => e.message);
    expect(messages("  - { id: o, type: OBJECT, properties: [{ id: f, type: FILE }] }\n")).toContain("input 'o' (OBJECT): a property cannot be of type FILE");
    expect(messages("  - { id: o, type: OBJECT, properties: [{ id: n, type: INT, defaults: 3 }] }\n")).toContain("input 'o' (OBJECT): a property cannot declare defaults");
    expect(messages("  - { id: t, type: TABLE, columns: [{ id: j, type: JSON }] }\n")).toContain("input 't' (TABLE): a column cannot be of type JSON");
    expect(messages("  - { id: t, type: TABLE, columns: [{ id: n, type: INT, min: 5, max: 1 }] }\n").join()).toContain("column 0");
    expect(messages("  - { id: t, type: TABLE, rows: { min: 3, max: 1 }, columns: [{ id: n, type: INT }] }\n")).toContain("input 't' (TABLE): rows.min 3 is more than rows.max 1");
    expect(messages("  - { id: t, type: TABLE, columns: [] }\n").join()).toContain("a TABLE needs its columns");
    // without the list at all, the message names it (it was zod's "expected array, received undefined")
    expect(messages("  - { id: o, type: OBJECT }\n")).toEqual(["an OBJECT needs its properties, a list of input declarations"]);
    expect(messages("  - { id: t, type: TABLE, columns: nope }\n")).toEqual(["a TABLE needs its columns, a list of input declarations"]);
  });
});
