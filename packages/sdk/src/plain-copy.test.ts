import { describe, expect, it } from "vitest";
import { copyPlain } from "./plain-copy.js";

describe("copyPlain", () => {
  it("copies plain data deeply, as structuredClone does", () => {
    const execution = { id: "e", state: { current: "SUCCESS", histories: [{ state: "CREATED", date: "2026-12-05T00:00:00Z" }] }, labels: { a: "1" }, parent: undefined, n: -0 };
    const copy = copyPlain(execution);
    expect(copy).toStrictEqual(structuredClone(execution));
    expect(Object.is(copy.n, -0)).toBe(true);
    expect("parent" in copy).toBe(true);
    copy.state.histories[0].state = "RUNNING";
    copy.labels.a = "2";
    expect(execution.state.histories[0].state).toBe("CREATED");
    expect(execution.labels.a).toBe("1");
  });

  it("hands what is not plain to structuredClone: a Date stays a Date, a function throws, a cycle is kept", () => {
    const date = new Date(0);
    const copy = copyPlain({ date, sparse: [1, , 3] });
    expect(copy.date).toBeInstanceOf(Date);
    expect(copy.date).not.toBe(date);
    expect(1 in copy.sparse).toBe(false);
    expect(() => copyPlain({ f: () => 1 })).toThrow();
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    const copied = copyPlain(cyclic);
    expect(copied.self).toBe(copied);
  });
});
