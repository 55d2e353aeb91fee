import type { FlowRecord } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import type { DeclaredTrigger } from "./declared-triggers.js";
import { IndexedFlows } from "./indexed-flows.js";

const row = (id: string, revision: number, deleted = false, updated = `2026-01-01T00:00:0${revision}.000Z`): FlowRecord => ({ namespace: "n", id, revision, deleted, updated, source: `${id}@${revision}` });
/** each revision declares one schedule named after it, so the test sees which revision is indexed */
const declared = (record: FlowRecord) =>
  [{ kind: "schedule", ref: { namespace: record.namespace, flowId: record.id, triggerId: record.source } }] as unknown as DeclaredTrigger[];
const indexed = (flows: IndexedFlows, id: string) => flows.of("n", id).map((t) => t.ref.triggerId);

describe("IndexedFlows", () => {
  it("keeps the latest revision whatever order news arrives in; a deleted revision never comes back", () => {
    let parsed = 0;
    const flows = new IndexedFlows((r) => (parsed++, declared(r)));
    flows.apply(row("a", 2));
    flows.apply(row("a", 1));
    expect(indexed(flows, "a")).toEqual(["a@2"]);
    // the same revision read again by an overlapping poll is not parsed again
    flows.apply(row("a", 2));
    expect(parsed).toBe(1);
    flows.apply(row("a", 2, true));
    expect(indexed(flows, "a")).toEqual([]);
    flows.apply(row("a", 2));
    expect(indexed(flows, "a")).toEqual([]);
    flows.apply(row("a", 3));
    expect(indexed(flows, "a")).toEqual(["a@3"]);
  });

  it("a delete made here removes the flow until a later revision is saved", () => {
    const flows = new IndexedFlows(declared);
    flows.apply(row("b", 1));
    flows.deleted("n", "b");
    flows.apply(row("b", 1));
    expect(indexed(flows, "b")).toEqual([]);
    flows.apply(row("b", 2));
    expect(indexed(flows, "b")).toEqual(["b@2"]);
  });

  it("parses a revision only when its flow is looked up, or when pending revisions are worked through", () => {
    const parsed: string[] = [];
    const flows = new IndexedFlows((r) => (parsed.push(r.id), declared(r)));
    for (const id of ["e", "f", "g"]) flows.apply(row(id, 1));
    expect(parsed).toEqual([]);
    expect(indexed(flows, "f")).toEqual(["f@1"]);
    expect(parsed).toEqual(["f"]);
    expect(flows.parsePending(1)).toBe(1);
    expect(flows.ofKind("schedule").map((t) => t.ref.triggerId).sort()).toEqual(["e@1", "f@1", "g@1"]);
    expect(parsed.sort()).toEqual(["e", "f", "g"]);
  });

  it("lists by kind follow changes", () => {
    const flows = new IndexedFlows(declared);
    flows.apply(row("c", 1));
    flows.apply(row("d", 1));
    expect(flows.ofKind("schedule").map((t) => t.ref.triggerId).sort()).toEqual(["c@1", "d@1"]);
    flows.apply(row("c", 1, true));
    expect(flows.ofKind("schedule").map((t) => t.ref.triggerId)).toEqual(["d@1"]);
    expect(flows.ofKind("webhook")).toEqual([]);
  });
});
