import corePlugin from "@ferry/plugin-core";
import fc from "fast-check";
import { LineCounter, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { typeValue } from "./flow/inputs.js";
import { parseFlow } from "./flow/parse-flow.js";
import { PluginRegistry } from "./plugins/registry.js";
import { duplicateKeys, linearKeyOptions, parseYamlText } from "./yaml-unique-keys.js";

/** the property name yaml.parse gives a key, found by parsing it alone as a one-key map */
const propertyOf = (key: unknown) => Object.keys(parseDocument(`? ${String(key)}\n: v\n`).toJS() ?? {})[0];

const found = (text: string) => {
  const lines = new LineCounter();
  return duplicateKeys(parseDocument(text, linearKeyOptions({ lineCounter: lines })), lines).map(({ key, line }) => `${key}@${line}`);
};

describe("keys written twice, found in linear time", () => {
  it("finds them in nested, block, flow and sequence maps, at the later key", () => {
    expect(found("a: 1\nb:\n  c: 1\n  c: 2\nlist:\n  - { x: 1, x: 2 }\n  - y: 1\n    z: 2\n    y: 3\na: 4\n")).toEqual(["c@4", "x@6", "y@9", "a@10"]);
  });

  // yaml.parse keeps the later of two keys that name one property, where the library's check
  // (scalars of one value) saw no double: the earlier value was lost without a word
  it("finds keys that become one property: a number and its text, null and '', equal collections", () => {
    expect(found("1: a\n'1': b\ntrue: c\n'true': d\n? [k]\n: e\n? [k]\n: f\nnull: g\n'': h\n1.0: i\n")).toEqual(["1@2", "true@4", "[ k ]@7", "@10", "1@11"]);
    expect(found("? [k]\n: e\n? [j]\n: f\n'[ k ]': g\n")).toEqual(["[ k ]@5"]);
    // an alias key is named by its alias (yaml.parse gives { a: [1], "*x": 2, "[ 1 ]": 3 })
    expect(found("a: &x [1]\n? *x\n: 1\n? *x\n: 2\n? [1]\n: 3\n")).toEqual(["*x@4"]);
  });

  it("an alias bomb among the keys is left to toJS's guard, not expanded here", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)];
    const keys = Array.from({ length: 200 }, (_, i) => `? *i\n: ${i}`);
    expect(() => parseYamlText(`${bomb.join("\n")}\n${keys.join("\n")}\n`)).toThrow(/alias/i);
  });

  it("reports every double the yaml library's own check reports, at the same place, and keys that name one property", () => {
    const key = fc.constantFrom("a", "b", "'a'", '"b"', "1", "'1'", "&x a", "null", "~", "? [a]\n");
    const map = (depth: number): fc.Arbitrary<string> =>
      fc.array(fc.tuple(key, depth > 0 ? fc.oneof(fc.constant("v"), map(depth - 1).map((m) => `{ ${m} }`)) : fc.constant("v")), { maxLength: 6 }).map((pairs) =>
        pairs.map(([k, v]) => (k.startsWith("?") ? `? [a]: ${v}` : `${k}: ${v}`)).join(", "),
      );
    fc.assert(
      fc.property(map(2), (inner) => {
        const text = `{ ${inner} }\n`;
        const library = parseDocument(text, { uniqueKeys: true });
        const ours = parseDocument(text, linearKeyOptions({}));
        fc.pre(ours.errors.length === 0);
        const theirs = library.errors.filter((e) => e.code === "DUPLICATE_KEY").map((e) => e.pos[0]);
        const mine = duplicateKeys(ours, new LineCounter()).map((d) => d.offset);
        expect(mine).toEqual(expect.arrayContaining(theirs));
        // what the library does not call a double is one for the object yaml.parse makes: a key it kept once
        const library2 = parseDocument(text, { uniqueKeys: (a, b) => a === b || String(a) === String(b) || propertyOf(a) === propertyOf(b) });
        expect(mine).toEqual(library2.errors.filter((e) => e.code === "DUPLICATE_KEY").map((e) => e.pos[0]).sort((a, b) => a - b));
      }),
      { numRuns: 500 },
    );
  });

  it("parseYamlText refuses a double by name and line, and reads the rest as yaml.parse does", () => {
    expect(() => parseYamlText("a: 1\nb: 2\na: 3\n")).toThrow("Duplicate field 'a': the keys of a map must be unique (line 3, column 1)");
    expect(parseYamlText("a: [1, {b: c}]\n")).toEqual({ a: [1, { b: "c" }] });
    expect(() => parseYamlText("a: [\n")).toThrow(/Flow sequence|Missing|end/i);
  });

  it("a YAML input and yaml() read through it: a double is refused by name", () => {
    expect(typeValue("YAML", "a: 1\nb: [x]\n")).toEqual({ a: 1, b: ["x"] });
    expect(() => typeValue("YAML", "a: 1\na: 2\n")).toThrow("Duplicate field 'a'");
  });

  // The library's check compares each key with every key before it in its map: 20,000 keys took 6 s
  // and 81,000 (2 MiB, under the request limit) minutes. Quadratic, 50,000 keys would take ~40 s: this
  // test cannot end within its timeout unless the check is linear (it takes ~2 s).
  it("a flow of one map with 50,000 keys is read, and a double among them named", () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `  k${i}: v\n`).join("");
    const flow = `id: big\nnamespace: io.ferry\nvariables:\n${keys}tasks:\n  - { id: a, type: io.kestra.plugin.core.log.Log, message: hi }\n`;
    const registry = new PluginRegistry([corePlugin]);
    expect(() => parseFlow(`${flow}variables:\n  x: 1\n`, registry)).toThrow(/^invalid YAML: Duplicate field 'variables': the keys of a map must be unique \(line 50006\)$/);
    expect(() => parseYamlText(`${keys}  k49999: again\n`.replace(/^ {2}/gm, ""))).toThrow("Duplicate field 'k49999'");
  }, 30_000);
});
