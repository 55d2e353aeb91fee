import { describe, expect, it } from "vitest";
import type { ContextRef } from "../messages.js";
import { sharedContextRef } from "./context-ref.js";
import type { ExecutionState } from "./execution-state.js";

/** the jobs of one event share their context when it is the same (a ForEach's 100,000 jobs, issue #18.1) */
describe("sharedContextRef", () => {
  const ref = (over: Record<string, unknown> = {}) =>
    ({ flow: { id: "f", namespace: "n", revision: 1 }, execution: { id: "e", startDate: "2026-12-05T00:00:00.000Z", originalId: "e", state: "RUNNING" }, labels: { a: "1" }, outputs: [{ taskId: "t", uri: "ferry://x" }], ...over }) as unknown as ContextRef;

  it("answers the execution's last context when this one equals it, and this one when it differs in a value, a key or its order", () => {
    const state = {} as ExecutionState;
    const first = sharedContextRef(state, ref());
    expect(sharedContextRef(state, ref())).toBe(first);
    const other = ref({ outputs: [{ taskId: "t", uri: "ferry://y" }] });
    expect(sharedContextRef(state, other)).toBe(other);
    const { labels, ...rest } = ref();
    const reordered = { ...rest, labels } as ContextRef;
    expect(sharedContextRef(state, reordered)).toBe(reordered);
    const extra = ref({ variablesUri: undefined });
    expect(sharedContextRef(state, extra)).toBe(extra);
    // another execution's state never gets this one's
    const elsewhere = ref({ labels: { a: "1" }, outputs: [], flow: { id: "f", namespace: "n", revision: 1 } });
    expect(sharedContextRef({} as ExecutionState, elsewhere)).toBe(elsewhere);
  });

  it("takes no value but plain data as equal: two equal dates are two values", () => {
    const state = {} as ExecutionState;
    sharedContextRef(state, ref({ when: new Date(0) }));
    const later = ref({ when: new Date(0) });
    expect(sharedContextRef(state, later)).toBe(later);
  });
});
