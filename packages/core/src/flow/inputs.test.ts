import { describe, expect, it } from "vitest";
import { resolveInputs, typeOutputs } from "./inputs.js";
import type { InputSpec } from "./flow.types.js";

const specs: InputSpec[] = [
  { id: "greeting", type: "STRING", defaults: "Bonjour" },
  { id: "count", type: "INT" },
  { id: "ratio", type: "FLOAT", required: false },
  { id: "verbose", type: "BOOLEAN" },
  { id: "size", type: "SELECT", values: ["small", "large"], defaults: "small" },
  { id: "cfg", type: "JSON" },
  { id: "when", type: "DATETIME", required: false },
  { id: "wait", type: "DURATION", required: false },
  { id: "tags", type: "ARRAY", itemType: "INT", required: false },
];

describe("inputs", () => {
  it("types form strings as Kestra does and applies defaults", () => {
    expect(resolveInputs(specs, { count: "3", verbose: "true", cfg: '{"a": [1]}', tags: "[1, 2]", when: "2024-01-02T03:04:05Z", wait: "PT5M" })).toEqual({
      greeting: "Bonjour", count: 3, ratio: null, verbose: true, size: "small", cfg: { a: [1] }, when: "2024-01-02T03:04:05.000Z", wait: "PT5M", tags: [1, 2],
    });
  });
  it("reports every bad or missing input at once, by name", () => {
    try {
      resolveInputs(specs, { count: "three", size: "huge", cfg: "{nope" });
      expect.unreachable();
    } catch (error) {
      const e = error as { status: number; errors: Array<{ path: string; message: string }> };
      expect(e.status).toBe(422);
      expect(e.errors.map((x) => x.path)).toEqual(["inputs.count", "inputs.verbose", "inputs.size", "inputs.cfg"]);
      expect(e.errors[0].message).toMatch(/'three' is not an integer/);
      expect(e.errors[1].message).toMatch(/required/);
    }
  });
  it("drops undeclared inputs", () => {
    expect(resolveInputs([{ id: "a", type: "STRING" }], { a: "x", extra: "y" })).toEqual({ a: "x" });
  });
  it("types flow outputs from their rendered strings", () => {
    expect(typeOutputs([{ id: "n", type: "INT", value: "" }, { id: "b", type: "BOOLEAN", value: "" }], { n: "42", b: "true" })).toEqual({ n: 42, b: true });
  });
});
