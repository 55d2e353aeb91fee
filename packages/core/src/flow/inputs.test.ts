import { describe, expect, it } from "vitest";
import { resolveInputs, typeOutputs, validatorRegex, type InputRules } from "./inputs.js";
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

/** the one error message resolveInputs gives for a single input */
function refusal(spec: InputRules, value: unknown): string {
  try {
    resolveInputs([spec as InputSpec], { [spec.id]: value });
  } catch (error) {
    const e = error as { status: number; errors: Array<{ path: string; message: string }> };
    expect(e.status).toBe(422);
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0].path).toBe(`inputs.${spec.id}`);
    return e.errors[0].message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}
const accepted = (spec: InputRules, value: unknown) => resolveInputs([spec as InputSpec], { [spec.id]: value })[spec.id];

describe("inputs", () => {
  it("types form strings as Kestra does and applies defaults", () => {
    expect(resolveInputs(specs, { count: "3", verbose: "true", cfg: '{"a": [1]}', tags: "[1, 2]", when: "2024-01-02T03:04:05Z", wait: "PT5M" })).toEqual({
      greeting: "Bonjour", count: 3, ratio: null, verbose: true, size: "small", cfg: { a: [1] }, when: "2024-01-02T03:04:05Z", wait: "PT5M", tags: [1, 2],
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
      expect(e.errors[1].message).toBe("input 'verbose' (BOOLEAN) is required");
      expect(e.errors[2].message).toBe("input 'size' (SELECT): 'huge' is not one of the values small, large");
    }
  });
  it("drops undeclared inputs", () => {
    expect(resolveInputs([{ id: "a", type: "STRING" }], { a: "x", extra: "y" })).toEqual({ a: "x" });
  });
  it("types flow outputs from their rendered strings", () => {
    expect(typeOutputs([{ id: "n", type: "INT", value: "" }, { id: "b", type: "BOOLEAN", value: "" }], { n: "42", b: "true" })).toEqual({ n: 42, b: true });
  });
});

describe("input rules", () => {
  it("required: a missing value is refused, unless the input is optional (null) or has defaults", () => {
    expect(refusal({ id: "age", type: "INT" }, undefined)).toBe("input 'age' (INT) is required");
    expect(refusal({ id: "age", type: "INT", required: true }, "")).toBe("input 'age' (INT) is required");
    expect(accepted({ id: "age", type: "INT", required: false }, undefined)).toBeNull();
    expect(accepted({ id: "age", type: "INT", defaults: 7 }, undefined)).toBe(7);
  });

  it("defaults meet the rules too", () => {
    expect(refusal({ id: "age", type: "INT", max: 100, defaults: 200 }, undefined)).toBe("input 'age' (INT): 200 is more than max 100");
  });

  it("INT min and max, inclusive", () => {
    const age: InputRules = { id: "age", type: "INT", min: 18, max: 120 };
    expect(accepted(age, "18")).toBe(18);
    expect(accepted(age, 120)).toBe(120);
    expect(refusal(age, "150")).toBe("input 'age' (INT): 150 is more than max 120");
    expect(refusal(age, 17)).toBe("input 'age' (INT): 17 is less than min 18");
  });

  it("prefill is the run form's, never the server's: an optional input given nothing is null, a required one is refused", () => {
    expect(resolveInputs([{ id: "a", type: "STRING", required: false, prefill: "hint" } as InputSpec], {})).toEqual({ a: null });
    expect(refusal({ id: "a", type: "STRING", prefill: "hint" }, undefined)).toBe("input 'a' (STRING) is required");
  });

  it("BOOLEAN as Kestra's Boolean.valueOf: true in any case is true, any other text false", () => {
    const flag: InputRules = { id: "flag", type: "BOOLEAN" };
    expect(["true", "TRUE", "True", true].map((v) => accepted(flag, v))).toEqual([true, true, true, true]);
    expect(["false", "yes", "1", " true", false].map((v) => accepted(flag, v))).toEqual([false, false, false, false, false]);
  });

  it("FLOAT as Kestra's Float.valueOf: a 32-bit float, its suffix and blanks read; beyond a float it is refused", () => {
    const ratio: InputRules = { id: "ratio", type: "FLOAT" };
    expect(["5", " 2.5 ", "3.14159265", "1e3", "7f", "0.1", 0.1, 5].map((v) => accepted(ratio, v))).toEqual([5, 2.5, 3.1415927, 1000, 7, 0.1, 0.1, 5]);
    expect(refusal(ratio, "1e39")).toBe("input 'ratio' (FLOAT): '1e39' is out of range for a FLOAT (a 32-bit float)");
    expect(refusal(ratio, "five")).toBe("input 'ratio' (FLOAT): 'five' is not a number");
    expect(refusal(ratio, "NaN")).toBe("input 'ratio' (FLOAT): 'NaN' is not a number");
  });

  it("FLOAT min and max", () => {
    const ratio: InputRules = { id: "ratio", type: "FLOAT", min: 0, max: 1 };
    expect(accepted(ratio, "0.5")).toBe(0.5);
    expect(refusal(ratio, "1.5")).toBe("input 'ratio' (FLOAT): 1.5 is more than max 1");
    expect(refusal(ratio, -0.1)).toBe("input 'ratio' (FLOAT): -0.1 is less than min 0");
  });

  it("DURATION min and max, compared by length", () => {
    const wait: InputRules = { id: "wait", type: "DURATION", min: "PT1M", max: "PT30M" };
    // typed as a java.time.Duration, which prints hours, minutes and seconds
    expect(accepted(wait, "PT90S")).toBe("PT1M30S");
    expect(accepted(wait, "PT30M")).toBe("PT30M");
    expect(refusal(wait, "PT1H")).toBe("input 'wait' (DURATION): PT1H is more than max PT30M");
    expect(refusal(wait, "PT59S")).toBe("input 'wait' (DURATION): PT59S is less than min PT1M");
  });

  it("DATETIME, DATE and TIME after and before, inclusive", () => {
    const when: InputRules = { id: "when", type: "DATETIME", after: "2024-01-01T00:00:00Z", before: "2024-12-31T23:59:59Z" };
    expect(accepted(when, "2024-01-01T01:00:00+01:00")).toBe("2024-01-01T00:00:00Z");
    expect(refusal(when, "2023-12-31T23:59:59Z")).toBe("input 'when' (DATETIME): 2023-12-31T23:59:59Z is earlier than after 2024-01-01T00:00:00Z");
    expect(refusal(when, "2025-01-01T00:00:00Z")).toBe("input 'when' (DATETIME): 2025-01-01T00:00:00Z is later than before 2024-12-31T23:59:59Z");
    const day: InputRules = { id: "day", type: "DATE", after: "2024-03-01", before: "2024-03-31" };
    expect(accepted(day, "2024-03-31")).toBe("2024-03-31");
    expect(refusal(day, "2024-02-29")).toBe("input 'day' (DATE): 2024-02-29 is earlier than after 2024-03-01");
    const at: InputRules = { id: "at", type: "TIME", after: "09:00", before: "17:30:00" };
    expect(accepted(at, "09:00:00")).toBe("09:00");
    expect(refusal(at, "17:30:01")).toBe("input 'at' (TIME): 17:30:01 is later than before 17:30:00");
    expect(refusal(at, "08:59")).toBe("input 'at' (TIME): 08:59 is earlier than after 09:00");
  });

  it("SELECT and ENUM values; allowCustomValue accepts others", () => {
    const size: InputRules = { id: "size", type: "SELECT", values: ["small", "large", 3] };
    expect(accepted(size, "large")).toBe("large");
    expect(accepted(size, 3)).toBe("3");
    expect(refusal(size, "huge")).toBe("input 'size' (SELECT): 'huge' is not one of the values small, large, 3");
    expect(accepted({ ...size, allowCustomValue: true }, "huge")).toBe("huge");
    expect(refusal({ id: "e", type: "ENUM", values: ["A"] }, "B")).toBe("input 'e' (ENUM): 'B' is not one of the values A");
  });

  it("SELECT and MULTISELECT values as {label, value} (Kestra's ValueOption): the value is what is checked and given", () => {
    const env: InputRules = { id: "env", type: "SELECT", values: [{ label: "Production", value: "123" }, "dev"] };
    expect(accepted(env, "123")).toBe("123");
    expect(accepted(env, "dev")).toBe("dev");
    expect(refusal(env, "Production")).toBe("input 'env' (SELECT): 'Production' is not one of the values 123, dev");
    expect(accepted({ ...env, autoSelectFirst: true }, undefined)).toBe("123");
    expect(accepted({ id: "m", type: "MULTISELECT", values: [{ label: "A", value: "a" }, { value: "b" }] }, '["a", "b"]')).toEqual(["a", "b"]);
  });

  it("autoSelectFirst: with no defaults, the first value (a list of it for MULTISELECT), as Kestra's getDefaults answers", () => {
    expect(accepted({ id: "env", type: "SELECT", values: ["dev", "prod"], autoSelectFirst: true }, undefined)).toBe("dev");
    expect(accepted({ id: "env", type: "SELECT", values: ["dev", "prod"], autoSelectFirst: true, defaults: "prod" }, undefined)).toBe("prod");
    expect(accepted({ id: "env", type: "SELECT", values: ["dev", "prod"], autoSelectFirst: true }, "prod")).toBe("prod");
    expect(accepted({ id: "tags", type: "MULTISELECT", values: ["a", "b"], autoSelectFirst: true }, undefined)).toEqual(["a"]);
    expect(refusal({ id: "env", type: "SELECT", values: ["dev", "prod"], autoSelectFirst: false }, undefined)).toBe("input 'env' (SELECT) is required");
  });

  it("MULTISELECT values, each item; from a JSON list or comma-separated text", () => {
    const tags: InputRules = { id: "tags", type: "MULTISELECT", values: ["a", "b", "c"] };
    expect(accepted(tags, '["a", "c"]')).toEqual(["a", "c"]);
    expect(accepted(tags, "a, b")).toEqual(["a", "b"]);
    expect(refusal(tags, ["a", "z"])).toBe("input 'tags' (MULTISELECT): 'z' is not one of the values a, b, c");
    expect(accepted({ ...tags, allowCustomValue: true }, ["a", "z"])).toEqual(["a", "z"]);
    expect(accepted({ ...tags, values: ["1", "2"], itemType: "INT" }, "1,2")).toEqual([1, 2]);
  });

  it("ARRAY itemType: each item typed, a bad one named by its index", () => {
    expect(accepted({ id: "list", type: "ARRAY", itemType: "INT" }, "[1, \"2\"]")).toEqual([1, 2]);
    expect(accepted({ id: "list", type: "ARRAY", itemType: "DATE" }, ["2024-01-01"])).toEqual(["2024-01-01"]);
    expect(refusal({ id: "list", type: "ARRAY", itemType: "INT" }, "[1, \"x\"]")).toBe("input 'list' (ARRAY): item 1: 'x' is not an integer");
    expect(refusal({ id: "list", type: "ARRAY", itemType: "BOOLEAN" }, "not a list")).toBe("input 'list' (ARRAY): 'not a list' is not a list");
  });

  it("DATETIME needs Z or an offset, as Instant.parse does; DURATION is Java's (no months); TIME prints as LocalTime does", () => {
    expect(refusal({ id: "when", type: "DATETIME" }, "2019-10-06T18:27:49")).toBe("input 'when' (DATETIME): '2019-10-06T18:27:49' is not an ISO-8601 instant (a date-time with Z or an offset, as 2024-01-31T09:00:00Z)");
    expect(refusal({ id: "wait", type: "DURATION" }, "P1M")).toMatch(/^input 'wait' \(DURATION\): 'P1M' is not a duration/);
    expect(accepted({ id: "at", type: "TIME" }, "10:00:00")).toBe("10:00");
    expect(refusal({ id: "at", type: "TIME" }, "25:00:00")).toBe("input 'at' (TIME): '25:00:00' is not a time (HH:mm or HH:mm:ss)");
  });

  it("URI and EMAIL by Kestra's patterns (URI_PATTERN, EmailInput's), not by the WHATWG URL parser", () => {
    const uri: InputRules = { id: "uri", type: "URI" };
    expect(accepted(uri, "https://www.google.com")).toBe("https://www.google.com");
    expect(accepted(uri, "http://127.0.0.1:8080/a?b=c")).toBe("http://127.0.0.1:8080/a?b=c");
    expect(refusal(uri, "http:/bla")).toBe("input 'uri' (URI): 'http:/bla' is not a URI (scheme://host.domain/path)");
    const email: InputRules = { id: "email", type: "EMAIL" };
    expect(accepted(email, "first.last+tag@mail.example.com")).toBe("first.last+tag@mail.example.com");
    expect(refusal(email, "me@exa_mple.com")).toBe("input 'email' (EMAIL): 'me@exa_mple.com' is not an email address");
    expect(refusal(email, "me @example.com")).toBe("input 'email' (EMAIL): 'me @example.com' is not an email address");
  });

  it("FILE allowedFileExtensions, on the file's own name, with or without the dot", () => {
    const file: InputRules = { id: "report", type: "FILE", allowedFileExtensions: [".csv", "TXT"] };
    expect(accepted(file, "ferry://a/b/executions/1/inputs/report/data.CSV")).toBe("ferry://a/b/executions/1/inputs/report/data.CSV");
    expect(accepted(file, "ferry://a/_files/notes.txt")).toBe("ferry://a/_files/notes.txt");
    expect(refusal(file, "ferry://a/b/executions/1/inputs/report/data.pdf")).toBe("input 'report' (FILE): 'data.pdf' has none of the allowedFileExtensions .csv, .txt");
  });

  it("STRING validator: the whole value must match, as Java's Matcher.matches", () => {
    const user: InputRules = { id: "user", type: "STRING", validator: "^student(\\d+)?$" };
    expect(accepted(user, "student")).toBe("student");
    expect(accepted(user, "student123")).toBe("student123");
    expect(refusal(user, "student123abc")).toBe("input 'user' (STRING): 'student123abc' does not match validator '^student(\\d+)?$'");
    // no anchors: still the whole value, where JavaScript's test() would find 'ab' inside
    const code: InputRules = { id: "code", type: "STRING", validator: "ab|cd" };
    expect(accepted(code, "cd")).toBe("cd");
    expect(refusal(code, "xabx")).toMatch(/does not match validator 'ab\|cd'/);
    expect(refusal(code, "abcd")).toMatch(/does not match/);
  });

  it("a SECRET validator's refusal does not show the value", () => {
    const message = refusal({ id: "token", type: "SECRET", validator: "[a-f0-9]{8}" }, "hunter2!");
    expect(message).toBe("input 'token' (SECRET): the value does not match validator '[a-f0-9]{8}'");
    expect(message).not.toMatch(/hunter2/);
  });
});

describe("validatorRegex: Java syntax, Java meaning", () => {
  const matches = (pattern: string, value: string) => validatorRegex(pattern).test(value);
  it("translates what JavaScript reads differently", () => {
    expect(matches("(?i)abc", "ABC")).toBe(true);
    expect(matches("\\Qa.b*\\E", "a.b*")).toBe(true);
    expect(matches("\\Qa.b*\\E", "axbbb")).toBe(false);
    expect(matches("\\Aab\\z", "ab")).toBe(true);
    expect(matches("\\p{Alpha}+", "abcXYZ")).toBe(true);
    // Java's POSIX classes are ASCII-only
    expect(matches("\\p{Alpha}+", "äbc")).toBe(false);
    expect(matches("\\p{L}+", "äbc")).toBe(true);
    expect(matches("\\pL+", "äbc")).toBe(true);
    // Java's \s is ASCII whitespace; JavaScript's would take a no-break space
    expect(matches("a\\sb", "a\u00a0b")).toBe(false);
    expect(matches("a\\sb", "a\tb")).toBe(true);
    // a ']' first in a class is a character in Java
    expect(matches("[]a]+", "]a]")).toBe(true);
    expect(matches("\\x{41}", "A")).toBe(true);
    expect(matches("a\\-b\\_c\\@", "a-b_c@")).toBe(true);
    expect(matches("a}", "a}")).toBe(true);
    expect(matches("(?<year>\\d{4})-(?:\\d{2})", "2024-05")).toBe(true);
    expect(matches("a{2,}?b", "aaab")).toBe(true);
  });
  it("refuses what it cannot run with Java's meaning, naming it", () => {
    expect(() => validatorRegex("a*+")).toThrow("validator 'a*+' uses a possessive quantifier, a Java regex feature Ferry does not support yet");
    expect(() => validatorRegex("(?>ab)")).toThrow(/atomic group/);
    expect(() => validatorRegex("[a-z&&[^e]]")).toThrow(/class (inside a class|intersection)/);
    expect(() => validatorRegex("[a-c[x-z]]")).toThrow(/class inside a class/);
    expect(() => validatorRegex("a(?i)b")).toThrow(/inline flag past the start/);
    expect(() => validatorRegex("(?x)a b")).toThrow(/inline flag \(\?x\)/);
    expect(() => validatorRegex("\\G")).toThrow(/uses \\G/);
    expect(() => validatorRegex("\\p{IsLatin}")).toThrow(/the class \\p\{IsLatin\}/);
    expect(() => validatorRegex("a{x}")).toThrow(/starts no repetition/);
    expect(() => validatorRegex("(ab")).toThrow(/is not a valid regular expression/);
    expect(() => validatorRegex("[ab")).toThrow(/unclosed character class/);
  });
});

/*
 * Kestra's OBJECT and TABLE inputs (ObjectInput, TableInput, FlowInputOutput.parseTable), as inputs.yaml declares them:
 * each property or column is an input declaration of its own, typed and checked per key and per row.
 */
describe("OBJECT and TABLE inputs", () => {
  const disk: InputSpec = {
    id: "disk", type: "OBJECT", required: false,
    properties: [{ id: "size_gb", type: "INT", min: 10 }, { id: "mountpoint", type: "STRING", validator: "^/.*", required: false }],
  };
  const disks: InputSpec = {
    id: "disks", type: "TABLE", required: false, rows: { max: 2 },
    columns: [{ id: "size_gb", type: "INT", min: 10 }, { id: "mountpoint", type: "STRING", validator: "^/.*", required: false }],
  };
  const refusal = (spec: InputSpec, value: unknown) => {
    try {
      resolveInputs([spec], { [spec.id]: value });
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected a refusal");
  };

  it("an OBJECT types each property from its key, from a map or JSON text; an optional one given nothing is null, undeclared keys are dropped", () => {
    expect(resolveInputs([disk], { disk: { size_gb: "20", mountpoint: "/data", other: 1 } })).toEqual({ disk: { size_gb: 20, mountpoint: "/data" } });
    expect(resolveInputs([disk], { disk: '{"size_gb": 12}' })).toEqual({ disk: { size_gb: 12, mountpoint: null } });
  });

  it("an OBJECT names each property that breaks its declaration, all at once", () => {
    expect(refusal(disk, { size_gb: 5, mountpoint: "data" })).toBe(
      "invalid inputs: input 'disk' (OBJECT): disk.size_gb: 5 is less than min 10; disk.mountpoint: 'data' does not match validator '^/.*'",
    );
    expect(refusal(disk, { mountpoint: "/x" })).toContain("disk.size_gb: it is required");
    expect(refusal(disk, "[1]")).toContain("is not an object");
  });

  it("a TABLE types every cell of every row by its column, checks rows.max, and names each bad cell by row and column", () => {
    expect(resolveInputs([disks], { disks: [{ size_gb: "10" }, { size_gb: 30, mountpoint: "/b" }] })).toEqual({
      disks: [{ size_gb: 10, mountpoint: null }, { size_gb: 30, mountpoint: "/b" }],
    });
    expect(refusal(disks, '[{"size_gb": 5}, "row", {"mountpoint": "/c"}]')).toBe(
      "invalid inputs: input 'disks' (TABLE): disks[0].size_gb: 5 is less than min 10; disks[1]: a row must be an object; disks[2].size_gb: it is required",
    );
    expect(refusal(disks, [{ size_gb: 10 }, { size_gb: 11 }, { size_gb: 12 }])).toContain("it must have at most 2 row(s)");
  });
});
