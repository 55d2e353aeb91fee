import { describe, expect, it } from "vitest";
import { JavaDouble, javaDoubleText, parseJson, stringifyJson, toDouble } from "./java-double.js";

describe("JavaDouble: a whole Double kept apart from a Long, through JSON", () => {
  it("boxes only whole numbers; a fraction is a Double already", () => {
    expect(toDouble(6)).toEqual(new JavaDouble(6));
    expect(toDouble(2.5)).toBe(2.5);
  });
  it("prints as Java's Double.toString", () => {
    expect([6, -0, 0.001, 1e7, 1.5e-5, 1e20].map(javaDoubleText)).toEqual(["6.0", "-0.0", "0.001", "1.0E7", "1.5E-5", "1.0E20"]);
  });
  it("writes a whole Double with its .0, as Jackson does, and reads it back as a Double", () => {
    const value = { x: new JavaDouble(6), n: 6, f: 2.5, list: [new JavaDouble(-1), "6.0"], big: new JavaDouble(1e20) };
    const text = stringifyJson(value);
    expect(text).toBe('{"x":6.0,"n":6,"f":2.5,"list":[-1.0,"6.0"],"big":1.0E20}');
    expect(parseJson(text)).toEqual(value);
  });
  it("reads a whole number written with a fraction or an exponent as a Double, strings and escapes as JSON.parse does", () => {
    const text = '{ "a" : 1e3, "b": 2.50E1, "c": "say \\"6.0\\"\\\\", "d": [ 1.25, 7, true, null, {} ], "__proto__": 1.0 }';
    const read = parseJson(text) as Record<string, unknown>;
    expect(read.a).toEqual(new JavaDouble(1000));
    expect(read.b).toEqual(new JavaDouble(25));
    expect(read.c).toBe('say "6.0"\\');
    expect(read.d).toEqual([1.25, 7, true, null, {}]);
    expect(Object.keys(read)).toContain("__proto__");
  });
  it("leaves text without a whole Double to JSON.parse, and refuses what JSON.parse refuses", () => {
    expect(parseJson('{"a":[1,2.5,"v1.0"]}')).toEqual({ a: [1, 2.5, "v1.0"] });
    expect(() => parseJson("{6.0}")).toThrow(SyntaxError);
  });
  it("is written as a plain number by a JSON.stringify that knows nothing of it", () => {
    expect(JSON.stringify({ x: new JavaDouble(6) })).toBe('{"x":6}');
  });
});
