import { describe, expect, it } from "vitest";
import { renderString } from "./render.js";

/*
 * datafaker(), Kestra's DataFakerFunction, as its DataFakerFunctionTest asserts it
 * (core/src/test/java/io/kestra/core/runners/pebble/functions/DataFakerFunctionTest.java: a value
 * for each expression, and its two messages), and the Datafaker directives Ferry maps to faker-js.
 */
const r = (template: string, variables: Record<string, unknown> = {}) => renderString(template, { variables });

describe("datafaker() (DataFakerFunctionTest)", () => {
  it("shouldRenderGivenExpression: a country", async () => {
    expect(await r("{{ datafaker('#{Address.country}') }}")).toMatch(/\S/);
  });

  it("shouldRenderGivenExpressionWithParameters: a birthday between 2 and 4 years ago, printed as java.sql.Timestamp prints it", async () => {
    const text = await r(`{{ datafaker('#{Date.birthday "2","4"}') }}`);
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{1,3}$/);
    const years = (Date.now() - Date.parse(`${text.replace(" ", "T")}Z`)) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThanOrEqual(2);
    expect(years).toBeLessThan(5);
  });

  it("shouldRenderGivenExpressionWithLocale: fr FR", async () => {
    expect(await r("{{ datafaker(expr='#{Address.country}', locale=['fr', 'FR']) }}")).toMatch(/\S/);
    // a language faker-js lacks falls back to English, as Datafaker's locale chain does
    expect(await r("{{ datafaker(expr='#{Name.firstName}', locale=['xx']) }}")).toMatch(/\S/);
  });

  it("shouldThrowOnInvalidLocaleFormat", async () => {
    await expect(r("{{ datafaker(expr='#{Address.country}', locale=['en', 'US', 'NY', 'extra']) }}")).rejects.toThrow("Invalid value for argument 'locale' in function 'datafaker'. Expected format: [language, country, variant], but received: [en, US, NY, extra].");
    await expect(r("{{ datafaker(expr='#{Address.country}', locale='fr') }}")).rejects.toThrow("Invalid type for argument 'locale' in function 'datafaker'. Expected a list of strings");
  });

  it("shouldThrowOnMissingExpression", async () => {
    await expect(r("{{ datafaker()}}")).rejects.toThrow("Missing or invalid 'expr' argument in function 'datafaker'. A non-empty string is required.");
  });
});

describe("datafaker() directives, mapped to faker-js", () => {
  it("keeps the text around directives, and matches names in any case, with or without underscores", async () => {
    expect(await r("{{ datafaker('Hi #{Name.first_name} #{name.LASTNAME}!') }}")).toMatch(/^Hi \S+ \S.*!$/);
  });

  // Pebble interpolates #{…} inside a double-quoted string: a Datafaker expression goes in single quotes, its arguments in double ones
  it("numbers: numberBetween leaves the upper bound out; digits; pattern directives", async () => {
    const picks = new Set<string>();
    for (let i = 0; i < 60; i++) picks.add(await r(`{{ datafaker('#{number.number_between "1","3"}') }}`));
    expect([...picks].sort()).toEqual(["1", "2"]);
    expect(await r(`{{ datafaker('#{Number.numberBetween "7","7"}') }}`)).toBe("7");
    expect(await r(`{{ datafaker('#{Number.digits "6"}') }}`)).toMatch(/^\d{6}$/);
    expect(await r(`{{ datafaker('#{numerify "ID-###"}|#{letterify "??"}|#{bothify "#?"}') }}`)).toMatch(/^ID-\d{3}\|[a-z]{2}\|\d[a-z]$/);
    expect(await r(`{{ datafaker('#{regexify "[A-F]{4}"}') }}`)).toMatch(/^[A-F]{4}$/);
    expect(["red", "blue"]).toContain(await r(`{{ datafaker('#{options.option "red","blue"}') }}`));
  });

  it("internet, dates", async () => {
    expect(await r("{{ datafaker('#{Internet.emailAddress}') }}")).toMatch(/^\S+@\S+$/);
    expect(await r("{{ datafaker('#{Internet.uuid}') }}")).toMatch(/^[0-9a-f-]{36}$/);
    const past = await r(`{{ datafaker('#{date.past "2","HOURS"}') }}`);
    const at = Date.parse(`${past.replace(" ", "T")}Z`);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(at).toBeGreaterThan(Date.now() - 2 * 3_600_000 - 1000);
  });

  it("refuses a directive it does not map, a broken one, and a regexify that would repeat too much", async () => {
    await expect(r("{{ datafaker('#{Pokemon.name}') }}")).rejects.toThrow("'#{Pokemon.name}' is not a Datafaker directive Ferry maps to faker-js");
    await expect(r("{{ datafaker('#{Name.firstName') }}")).rejects.toThrow("has no closing '}'");
    await expect(r(`{{ datafaker('#{regexify "a{100000}"}') }}`)).rejects.toThrow("regexify repeats at most 1000 times");
  });
});
