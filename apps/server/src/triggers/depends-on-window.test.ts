import { createLocalStorage } from "@ferry/storage-local";
import { flowDependencySchema, timeWindowOf, triggerKindProperties, type DependencyWindow } from "@ferry/sdk";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { conditionWindows, DEFAULT_STATES, dependencyKeys, DEPENDS_ON_WINDOW, namesFlow, triggerStates } from "./flow-trigger-conditions.js";
import { PreconditionWindows } from "./precondition-window.js";

/* Kestra 2.0's dependsOn window (migration guide "trigger conditions redesign", Window configuration) on a fixed clock */
const ref = { namespace: "dep.unit", flowId: "down", triggerId: "t" };
let dir: string;
let now: number;
let windows: PreconditionWindows;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-dep-window-"));
  windows = new PreconditionWindows(createLocalStorage({ path: "storage" }, dir), () => now);
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const flowTrigger = (properties: Record<string, unknown>) => triggerKindProperties.flow.parse(properties);
const windowOf = (properties: Record<string, unknown>) => {
  const [w] = conditionWindows(flowTrigger(properties), undefined);
  return { id: w.id, keys: w.conditions.map((c) => c.key), timeWindow: w.timeWindow, resetOnSuccess: w.resetOnSuccess, required: w.required, fireOnce: w.fireOnce };
};
const deps = [{ namespace: "n", flowId: "a" }, { namespace: "n", flowId: "b" }, { namespace: "n", flowId: "c" }];

describe("dependsOn windows", () => {
  it("maps each window group onto 1.x's time windows", () => {
    const of = (w: Partial<DependencyWindow>) => timeWindowOf({ fireOnce: false, ...w });
    expect(of({ deadline: "09:00:00+01:00" })).toEqual({ type: "DAILY_TIME_DEADLINE", deadline: "09:00:00+01:00" });
    expect(of({ from: "06:00:00", to: "12:00:00" })).toEqual({ type: "DAILY_TIME_WINDOW", startTime: "06:00:00", endTime: "12:00:00" });
    expect(of({ every: "P1D", offset: "PT6H" })).toEqual({ type: "DURATION_WINDOW", window: "P1D", windowAdvance: "PT6H" });
    expect(of({ lookback: "PT1H" })).toEqual({ type: "SLIDING_WINDOW", window: "PT1H" });
  });

  it("keys entries by namespace and flow id, whatever their order", () => {
    expect(dependencyKeys([{ namespace: "n", flowId: "b" }, { namespace: "n", flowId: "a" }, { flowId: "a", namespace: "n", states: ["FAILED"] }, {}])).toEqual(["n~b", "n~a", "n~a~2", "any~any"]);
    expect(flowDependencySchema.safeParse({ flowId: "a", flowid: "typo" }).success).toBe(false);
  });

  it("the states looked at: the trigger's when written, else its entries' (an entry without: the default)", () => {
    expect(triggerStates(flowTrigger({ states: ["FAILED"], dependsOn: [{ flowId: "a", states: ["RUNNING"] }] }))).toEqual(["FAILED"]);
    expect(triggerStates(flowTrigger({ dependsOn: [{ flowId: "a", states: ["RUNNING"] }] }))).toEqual(["RUNNING"]);
    expect([...triggerStates(flowTrigger({ dependsOn: [{ flowId: "a", states: ["RUNNING"] }, { flowId: "b" }] }))].sort()).toEqual(["RUNNING", ...DEFAULT_STATES].sort());
    expect(triggerStates(flowTrigger({}))).toEqual(DEFAULT_STATES);
  });

  it("AT_LEAST 2 of 3 within a deadline: an upstream after the deadline is not recorded; the set resets once it started", async () => {
    const w = windowOf({ dependsOn: deps, mode: "AT_LEAST", minSatisfied: 2, window: { deadline: "09:00:00" } });
    expect(w).toMatchObject({ id: DEPENDS_ON_WINDOW, required: 2, resetOnSuccess: true, timeWindow: { type: "DAILY_TIME_DEADLINE" } });
    now = Date.parse("2026-03-02T08:00:00Z");
    expect((await windows.record(ref, w, { id: "e1", outputs: { x: 1 }, flowId: "a" }, ["n~a"]))?.ready).toBe(false);
    now = Date.parse("2026-03-02T09:30:00Z");
    expect(await windows.record(ref, w, { id: "e2", outputs: {}, flowId: "b" }, ["n~b"])).toBeUndefined();
    now = Date.parse("2026-03-03T07:00:00Z");
    // the day before's result is outside today's window
    expect((await windows.record(ref, w, { id: "e3", outputs: { y: 2 }, flowId: "b" }, ["n~b"]))?.ready).toBe(false);
    now = Date.parse("2026-03-03T08:00:00Z");
    const met = await windows.record(ref, w, { id: "e4", outputs: { z: 3 }, flowId: "c" }, ["n~c"]);
    expect(met?.ready).toBe(true);
    expect(met?.byFlow).toEqual({ b: { y: 2 }, c: { z: 3 } });
    await met!.reset();
    now = Date.parse("2026-03-03T08:30:00Z");
    expect((await windows.record(ref, w, { id: "e5", outputs: {}, flowId: "a" }, ["n~a"]))?.ready).toBe(false);
  });

  it("ANY with fireOnce over an every window: one start per period, the next period starts again", async () => {
    const w = windowOf({ dependsOn: deps.slice(0, 2), mode: "ANY", window: { every: "PT6H", fireOnce: true } });
    now = Date.parse("2026-03-02T01:00:00Z");
    const first = await windows.record(ref, w, { id: "e1", outputs: {}, flowId: "a" }, ["n~a"]);
    expect(first?.ready).toBe(true);
    await first!.reset();
    now = Date.parse("2026-03-02T02:00:00Z");
    expect((await windows.record(ref, w, { id: "e2", outputs: {}, flowId: "b" }, ["n~b"]))?.ready).toBe(false);
    now = Date.parse("2026-03-02T06:30:00Z");
    expect((await windows.record(ref, w, { id: "e3", outputs: {}, flowId: "b" }, ["n~b"]))?.ready).toBe(true);
  });

  it("an upstream execution entering a watched state again after a fire counts again (two Pauses); the same end delivered twice does not", async () => {
    const w = windowOf({ dependsOn: [{ namespace: "n", flowId: "a", states: ["PAUSED", "SUCCESS"] }] });
    now = Date.parse("2026-03-02T08:00:00Z");
    const firstPause = await windows.record(ref, w, { id: "e1", outputs: {}, flowId: "a", transition: "@PAUSED#1" }, ["n~a"]);
    expect(firstPause?.ready).toBe(true);
    await firstPause!.reset();
    now = Date.parse("2026-03-02T08:05:00Z");
    const secondPause = await windows.record(ref, w, { id: "e1", outputs: {}, flowId: "a", transition: "@PAUSED#2" }, ["n~a"]);
    expect(secondPause?.ready).toBe(true);
    await secondPause!.reset();
    now = Date.parse("2026-03-02T08:10:00Z");
    const end = await windows.record(ref, w, { id: "e1", outputs: {}, flowId: "a", transition: "" }, ["n~a"]);
    expect(end?.ready).toBe(true);
    await end!.reset();
    now = Date.parse("2026-03-02T08:11:00Z");
    // the end delivered again names the same result: its claim is the one already taken, so it starts nothing
    const again = await windows.record(ref, w, { id: "e1", outputs: {}, flowId: "a", transition: "" }, ["n~a"]);
    expect(again?.claimKey).toBe(end?.claimKey);
    expect(new Set([firstPause, secondPause, end].map((r) => r?.claimKey)).size).toBe(3);
  });

  it("ANY: two results recorded in the same instant are claimed apart, each with its own outputs; fireOnce claims the period", async () => {
    const w = windowOf({ dependsOn: deps.slice(0, 2), mode: "ANY" });
    now = Date.parse("2026-03-02T01:00:00Z");
    const [a, b] = await Promise.all([
      windows.record(ref, w, { id: "e1", outputs: { x: 1 }, flowId: "a" }, ["n~a"]),
      windows.record(ref, w, { id: "e2", outputs: { y: 2 }, flowId: "b" }, ["n~b"]),
    ]);
    expect([a?.ready, b?.ready]).toEqual([true, true]);
    expect(a?.claimKey).not.toBe(b?.claimKey);
    expect([a?.byFlow, b?.byFlow]).toEqual([{ a: { x: 1 } }, { b: { y: 2 } }]);
    const once = windowOf({ dependsOn: deps.slice(0, 2), mode: "ANY", window: { every: "PT6H", fireOnce: true } });
    const [c, d] = await Promise.all([
      windows.record(ref, once, { id: "e3", outputs: {}, flowId: "a" }, ["n~a"]),
      windows.record(ref, once, { id: "e4", outputs: {}, flowId: "b" }, ["n~b"]),
    ]);
    expect(c?.claimKey).toBe(d?.claimKey);
  });

  it("ANY with fireOnce over a lookback window: two ends racing a millisecond apart claim the same start; after it fired, the next claim differs", async () => {
    // Before: the claim named the sliding window's start (now - lookback), a new key every millisecond: both started
    const w = windowOf({ dependsOn: deps.slice(0, 2), mode: "ANY", window: { lookback: "PT1H", fireOnce: true } });
    now = Date.parse("2026-03-02T01:00:00Z");
    const first = windows.record(ref, w, { id: "e1", outputs: {}, flowId: "a" }, ["n~a"]);
    now += 1;
    const second = windows.record(ref, w, { id: "e2", outputs: {}, flowId: "b" }, ["n~b"]);
    const [a, b] = await Promise.all([first, second]);
    expect([a?.ready, b?.ready]).toEqual([true, true]);
    expect(a?.claimKey).toBe(b?.claimKey);
    await a!.reset();
    now += 2 * 3600_000;
    const later = await windows.record(ref, w, { id: "e3", outputs: {}, flowId: "a" }, ["n~a"]);
    expect(later?.ready).toBe(true);
    expect(later?.claimKey).not.toBe(a?.claimKey);
  });

  it("refuses a window that could never be open or would not keep its period: from/to past midnight, an every that does not divide a day", () => {
    const refusal = (window: Record<string, unknown>) => {
      const parsed = triggerKindProperties.flow.safeParse({ dependsOn: deps, window });
      return parsed.success ? "" : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    };
    expect(refusal({ from: "22:00:00", to: "06:00:00" })).toMatch(/window\.to: a daily window ends after it starts: to 06:00:00 is not after from 22:00:00/);
    expect(refusal({ from: "09:00:00+02:00", to: "06:30:00Z" })).toMatch(/not after from/);
    expect(refusal({ from: "09:00:00+02:00", to: "08:00:00Z" })).toBe("");
    expect(refusal({ from: "06:00:00", to: "12:00:00" })).toBe("");
    expect(refusal({ every: "P2D" })).toMatch(/window\.every: every P2D must divide a day/);
    expect(refusal({ every: "PT7H" })).toMatch(/must divide a day/);
    expect(refusal({ every: "PT6H", offset: "PT1H" })).toBe("");
  });
});

describe("namesFlow", () => {
  it("an entry without a namespace names this flow in any namespace: a flow may depend on its own executions", () => {
    expect(namesFlow(flowTrigger({ dependsOn: [{ flowId: "down" }] }), "dep.unit", "down")).toBe(true);
    expect(namesFlow(flowTrigger({ dependsOn: [{ namespace: "other", flowId: "down" }] }), "dep.unit", "down")).toBe(false);
  });
});

describe("a window's markers", () => {
  it("a late reset (a replica that stalled on a set another started) never moves the reset back: used results do not count again", async () => {
    const w = { id: "w", keys: ["a", "b"], timeWindow: { type: "SLIDING_WINDOW", window: "PT1H" } as const, resetOnSuccess: true };
    const record = async (at: number, id: string, key: string) => {
      now = at;
      return (await windows.record(ref, w, { id, outputs: {} }, [key]))!;
    };
    await record(1000, "a1", "a");
    const stalled = await record(2000, "b1", "b");
    expect(stalled.ready).toBe(true);
    // another replica sees the same set, starts it (its claim) and resets
    const other = await record(2100, "b1", "b");
    expect(other.claimKey).toBe(stalled.claimKey);
    await other.reset();
    await record(3000, "a2", "a");
    const second = await record(4000, "b2", "b");
    expect(second.ready).toBe(true);
    expect(second.claimKey).not.toBe(stalled.claimKey);
    await second.reset();
    // the stalled replica's reset comes last: it would set the reset back to 2 s, and a2 and b2 would count again
    await stalled.reset();
    expect((await record(5000, "a3", "a")).ready).toBe(false);
  });
});
