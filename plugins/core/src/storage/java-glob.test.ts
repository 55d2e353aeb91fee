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
  it("refuses a malformed glob, naming it", () => {
    expect(() => javaGlobToRegExp("{a,{b}}")).toThrow(/cannot be nested/);
    expect(() => javaGlobToRegExp("[abc")).toThrow(/no closing/);
  });
});
