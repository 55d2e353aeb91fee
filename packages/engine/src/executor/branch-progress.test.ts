import { describe, expect, it } from "vitest";
import type { FlowablePlan } from "@ferry/sdk";
import { OpenBranches, sharedPaths, valuePlaces } from "./branch-progress.js";

describe("sharedPaths: equal branch paths held as one array", () => {
  it("gives consecutive branches naming the same task list one path array, and leaves the others and the values as they were", () => {
    const plan: FlowablePlan = JSON.parse(
      JSON.stringify({ concurrency: 0, branches: [{ path: ["tasks"], value: "a" }, { path: ["tasks"], value: "b" }, { path: ["cases", "x"] }, { path: ["cases", "y"] }, { path: ["cases", "y"] }] }),
    );
    const before = JSON.stringify(plan);
    const shared = sharedPaths(plan);
    expect(JSON.stringify(shared)).toBe(before);
    const paths = shared.branches.map((b) => b.path);
    expect(paths[1]).toBe(paths[0]);
    expect(paths[2]).not.toBe(paths[1]);
    expect(paths[3]).not.toBe(paths[2]);
    expect(paths[4]).toBe(paths[3]);
  });
});

describe("OpenBranches: the open branches of a plan, a byte each", () => {
  it("counts what is added once and deleted once, and grows past the plan it was made for", () => {
    const open = new OpenBranches(3);
    open.add(0);
    open.add(2);
    open.add(2);
    expect([open.has(0), open.has(1), open.has(2), open.size]).toEqual([true, false, true, 2]);
    open.delete(1);
    open.delete(0);
    open.delete(0);
    expect([open.has(0), open.size]).toEqual([false, 1]);
    open.add(7);
    expect([open.has(7), open.has(2), open.has(9), open.size]).toEqual([true, true, false, 2]);
  });
});

describe("valuePlaces: each value's first branch", () => {
  it("maps a value to its first place, one map per plan; branches without a value are not in it", () => {
    const plan: FlowablePlan = { concurrency: 0, branches: [{ path: ["tasks"], value: "a" }, { path: ["tasks"], value: "b" }, { path: ["tasks"], value: "a" }, { path: ["other"] }] };
    const places = valuePlaces(plan);
    expect([...places]).toEqual([["a", 0], ["b", 1]]);
    expect(valuePlaces(plan)).toBe(places);
  });
});
