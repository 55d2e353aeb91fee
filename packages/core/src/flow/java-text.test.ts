import { describe, expect, it } from "vitest";
import { javaDuration, javaInstant, javaTime } from "./java-text.js";

describe("values printed as Kestra's java.time types print them", () => {
  it("Instant.toString: UTC, a fraction only when there is one", () => {
    expect(javaInstant(new Date("2013-08-09T14:19:00Z"))).toBe("2013-08-09T14:19:00Z");
    expect(javaInstant(new Date("2024-01-01T01:00:00+01:00"))).toBe("2024-01-01T00:00:00Z");
    expect(javaInstant(new Date("2019-10-06T18:27:49.100Z"))).toBe("2019-10-06T18:27:49.100Z");
  });

  it("Duration.toString: hours, minutes and seconds; days as hours; zero as PT0S", () => {
    expect(javaDuration("PT5M6S")).toBe("PT5M6S");
    expect(javaDuration("PT90S")).toBe("PT1M30S");
    expect(javaDuration("P1DT2H")).toBe("PT26H");
    expect(javaDuration("PT1.5S")).toBe("PT1.5S");
    expect(javaDuration("PT0S")).toBe("PT0S");
    expect(() => javaDuration("P1M")).toThrow(/not a duration \(PnDTnHnMn\.nS/);
    expect(() => javaDuration("P1W")).toThrow(/not a duration/);
    expect(() => javaDuration("PT")).toThrow(/not a duration/);
  });

  it("LocalTime.toString: seconds only when not zero, a fraction in groups of three; hours past 23 refused", () => {
    expect(javaTime("18:27:49")).toBe("18:27:49");
    expect(javaTime("01:00:00")).toBe("01:00");
    expect(javaTime("01:00")).toBe("01:00");
    expect(javaTime("01:02:03.5")).toBe("01:02:03.500");
    expect(javaTime("01:02:03.1234")).toBe("01:02:03.123400");
    expect(() => javaTime("25:00:00")).toThrow(/not a time/);
    expect(() => javaTime("7:00")).toThrow(/not a time/);
  });
});
