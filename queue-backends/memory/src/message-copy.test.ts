import { describe, expect, it } from "vitest";
import { copyMessage } from "./message-copy.js";

describe("copyMessage", () => {
  it("copies plain data as structuredClone does, sharing nothing with the original", () => {
    const message = { a: 1, b: "x", c: [1, { d: true }], e: null, f: undefined, g: { h: [] as unknown[] } };
    const copy = copyMessage(message);
    expect(copy).toStrictEqual(structuredClone(message));
    expect("f" in copy).toBe(true);
    copy.c.push(2);
    (copy.c[1] as { d: boolean }).d = false;
    copy.g.h.push(1);
    expect(message).toStrictEqual({ a: 1, b: "x", c: [1, { d: true }], e: null, f: undefined, g: { h: [] } });
  });

  it("gives values other than plain objects and arrays to structuredClone", () => {
    const date = new Date("2026-12-04T10:00:00Z");
    const map = new Map([["k", { v: 1 }]]);
    const copy = copyMessage({ date, map, bytes: new Uint8Array([1, 2]), nested: [date] });
    expect(copy.date).toBeInstanceOf(Date);
    expect(copy.date).not.toBe(date);
    expect(copy.date.getTime()).toBe(date.getTime());
    expect(copy.map).toBeInstanceOf(Map);
    expect(copy.map.get("k")).toStrictEqual({ v: 1 });
    expect(copy.map.get("k")).not.toBe(map.get("k"));
    expect([...copy.bytes]).toStrictEqual([1, 2]);
    expect(copy.nested[0]).toBeInstanceOf(Date);
  });

  it("makes an object with a null prototype or of a class what structuredClone makes of it", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    class Point {
      constructor(public x: number) {}
    }
    const copy = copyMessage({ bare, point: new Point(3) });
    expect(copy).toStrictEqual(structuredClone({ bare, point: new Point(3) }));
    expect(Object.getPrototypeOf(copy.point)).toBe(Object.prototype);
  });

  it("keeps an own __proto__ key a property, never the copy's prototype", () => {
    const message = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = copyMessage(message);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toStrictEqual(["__proto__", "a"]);
    expect(copy["__proto__"]).toStrictEqual({ polluted: true });
  });

  it("keeps a sparse array's holes", () => {
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const copy = copyMessage(sparse);
    expect(copy.length).toBe(3);
    expect(1 in copy).toBe(false);
    expect(copy[2]).toBe(3);
  });

  it("copies a cycle, as structuredClone does, through it", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    const copy = copyMessage(a);
    expect(copy.self).toBe(copy);
    expect(copy).not.toBe(a);
  });

  it("refuses a function, as structuredClone does", () => {
    expect(() => copyMessage({ f: () => 1 })).toThrow(/could not be cloned/);
  });
});
