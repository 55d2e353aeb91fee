import { describe, expect, it } from "vitest";
import { renderString } from "./render.js";

// the values Kestra's RegexFilterTest asserts, and the errors RegexMatch/Extract/ReplaceFilter throw
const r = (t: string) => renderString(t, { variables: { vars: { list: ["a1", "b2"] } } });

describe("regexMatch, regexExtract, regexReplace (Kestra's regex filters)", () => {
  it("regexMatch finds the pattern anywhere; null is false", async () => {
    expect(await r("{{ 'hello world' | regexMatch(regex='hello.*') }}|{{ 'hello world' | regexMatch(regex='^\\d+$') }}|{{ 'order-12345-done' | regexMatch(regex='\\d+') }}|{{ null | regexMatch(regex='.*') }}")).toBe(
      "true|false|true|false",
    );
  });
  it("regexReplace replaces every match, with $1 naming a group; null stays null", async () => {
    expect(await r("{{ 'hello world' | regexReplace(regex='world', replacement='java') }}|{{ 'aa1bb2cc3' | regexReplace(regex='\\d', replacement='-') }}")).toBe("hello java|aa-bb-cc-");
    expect(await r("{{ 'aa1bb2cc3' | regexReplace(regex='(\\d)', replacement='[$1]') }}|{{ 'hello' | regexReplace(regex='\\d+', replacement='X') }}|{{ null | regexReplace(regex='.*', replacement='x') }}")).toBe(
      "aa[1]bb[2]cc[3]|hello|",
    );
  });
  it("regexExtract gives the first match or one of its groups, null when nothing matches", async () => {
    expect(await r("{{ 'order-12345-done' | regexExtract(regex='\\d+') }}|{{ 'order-12345-done' | regexExtract(regex='order-(\\d+)', group=1) }}|{{ 'abc-123-def-456' | regexExtract(regex='\\d+') }}")).toBe(
      "12345|12345|123",
    );
    expect(await r("{{ 'hello' | regexExtract(regex='\\d+') }}|{{ null | regexExtract(regex='\\d+') }}|{{ 'ab' | regexExtract('(x)?b', 1) is null }}")).toBe("||true");
  });
  it("reads a list as Java prints it, a (?i) prefix as a flag", async () => {
    expect(await r("{{ vars.list | regexExtract(regex='\\[(\\w+),') }}|{{ 'HELLO' | regexMatch('(?i)hello') }}")).toBe("[a1,|true");
  });
  it("refuses a missing regex or replacement, a group past the pattern's, and a pattern JavaScript cannot run", async () => {
    await expect(r("{{ 'a' | regexMatch() }}")).rejects.toThrow(/The argument 'regex' is required/);
    await expect(r("{{ 'a' | regexReplace(regex='a') }}")).rejects.toThrow(/The argument 'replacement' is required/);
    await expect(r("{{ 'a' | regexExtract(regex='a', group=2) }}")).rejects.toThrow(/No group 2/);
    await expect(r("{{ 'a' | regexMatch(regex='(') }}")).rejects.toThrow(/is not a regular expression/);
    await expect(r("{{ 'a' | regexMatch(pattern='a') }}")).rejects.toThrow(/has no argument 'pattern'/);
  });
});
