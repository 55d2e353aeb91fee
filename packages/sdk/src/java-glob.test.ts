import { describe, expect, it } from "vitest";
import { javaGlobToRegExp, rootedMatcher } from "./java-glob.js";

describe("Java glob syntax", () => {
  it("* and ? stay in a segment, ** crosses segments even inside one, {a,b} and [..] as Java reads them", () => {
    expect(javaGlobToRegExp("*.txt").test("a.txt")).toBe(true);
    expect(javaGlobToRegExp("*.txt").test("d/a.txt")).toBe(false);
    expect(javaGlobToRegExp("**.txt").test("d/e/a.txt")).toBe(true);
    expect(javaGlobToRegExp("sub/**").test("sub/x/y")).toBe(true);
    expect(javaGlobToRegExp("file?.{csv,ion}").test("file1.ion")).toBe(true);
    expect(javaGlobToRegExp("[!a]*.py").test("b.py")).toBe(true);
    expect(javaGlobToRegExp("[!a]*.py").test("a.py")).toBe(false);
    expect(javaGlobToRegExp("a.b").test("axb")).toBe(false);
  });
  it("matches namespace paths from the root, as Kestra's `glob:/…` patterns do", () => {
    const m = rootedMatcher(["**input.txt"]);
    expect(m("scripts/input.txt")).toBe(true);
    expect(rootedMatcher(["/scripts/*"])("scripts/main.py")).toBe(true);
    expect(rootedMatcher(["/scripts/*"])("scripts/sub/main.py")).toBe(false);
  });
  it("reads the patterns of Kestra's namespace-files docs as PathMatcherPredicate does (concepts/namespace-files)", () => {
    const files = ["file1.txt", "file2.txt", "file3.json", "deep/file1.txt", "config/settings.json", "src/sub/a.py", "src/mytest.json"];
    const select = (patterns: string[]) => files.filter(rootedMatcher(patterns));
    expect(select(["file1.txt"])).toEqual(["file1.txt", "deep/file1.txt"]); // becomes **/file1.txt
    expect(select(["/file1.txt"])).toEqual(["file1.txt"]); // the root's only
    expect(select(["src/**"])).toEqual(["src/sub/a.py", "src/mytest.json"]);
    expect(select(["/config/settings.json"])).toEqual(["config/settings.json"]);
    expect(select(["glob:/src/**/*.py"])).toEqual(["src/sub/a.py"]);
    expect(select(["glob:config/*.json"])).toEqual([]); // a glob: pattern is matched against /config/settings.json as written
    expect(select(["regex:^src/.*\\.py$"])).toEqual([]); // likewise: the path starts with /
    expect(select(["regex:.*test.*\\.json"])).toEqual(["src/mytest.json"]);
  });
  it("refuses a malformed glob, naming it", () => {
    expect(() => javaGlobToRegExp("{a,{b}}")).toThrow(/cannot be nested/);
    expect(() => javaGlobToRegExp("[abc")).toThrow(/no closing/);
  });
});
