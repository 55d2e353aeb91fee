import { describe, expect, it } from "vitest";
import { copyMessage, copySharing } from "./message-copy.js";

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

describe("copySharing", () => {
  const job = (n: number) => ({ id: `run-${n}`, task: { id: "ret", type: "core.Return" }, context: { flow: { id: "f" }, labels: { a: "1" }, outputs: [] as unknown[], none: undefined }, taskrun: { value: String(n) } });

  it("holds an object part equal to the last one copied under its name as that same copy, and copies the rest", () => {
    const recent = new Map<string, unknown>();
    const first = copySharing(job(1), recent);
    const second = copySharing(job(2), recent);
    expect(second).toStrictEqual(structuredClone(job(2)));
    expect(second.context).toBe(first.context);
    expect(second.task).toBe(first.task);
    expect(second.taskrun).not.toBe(first.taskrun);
    // what the sender does to its message afterwards reaches no copy
    const third = job(3);
    const held = copySharing(third, recent);
    third.context.labels.a = "changed";
    expect(held.context.labels.a).toBe("1");
  });

  it("shares nothing that differs in a value, a key's order, an undefined key, -0, an array's hole or a prototype", () => {
    const base = { part: { a: 1, b: [1, 2], c: 0 } };
    const variants: unknown[] = [
      { a: 2, b: [1, 2], c: 0 },
      { b: [1, 2], a: 1, c: 0 },
      { a: 1, b: [1, 2], c: 0, d: undefined },
      { a: 1, b: [1, 2], c: -0 },
      { a: 1, b: [1, , 2], c: 0 }, // eslint-disable-line no-sparse-arrays
      { a: 1, b: [1, 2], c: new Date(0) },
      Object.assign(Object.create(null) as object, { a: 1, b: [1, 2], c: 0 }),
    ];
    for (const part of variants) {
      const recent = new Map<string, unknown>();
      const first = copySharing(base, recent);
      const other = copySharing({ part }, recent);
      expect(other.part).not.toBe(first.part);
      expect(other).toStrictEqual(structuredClone({ part }));
    }
  });

  it("copies a message that is not a plain object whole", () => {
    const recent = new Map<string, unknown>();
    expect(copySharing([{ a: 1 }], recent)).toStrictEqual([{ a: 1 }]);
    expect(copySharing("text", recent)).toBe("text");
    expect(recent.size).toBe(0);
  });
});
