import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";
import type { FlowGraph } from "../ui/flow-graph.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

const FLOW = `id: shape
namespace: graph.test
tasks:
  - id: first
    type: core.Log
    message: one
  - id: fan
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - { id: a, type: core.Log, message: a }
      - { id: b, type: core.Log, message: b }
  - id: choose
    type: core.If
    condition: "{{ true }}"
    then:
      - { id: yes, type: core.Log, message: y }
    else:
      - { id: no, type: core.Log, message: n }
  - id: call
    type: core.Subflow
    namespace: graph.test
    flowId: child
errors:
  - { id: alert, type: core.Log, message: failed }
finally:
  - { id: cleanup, type: core.Log, message: done }
triggers:
  - { id: hook, type: core.trigger.Webhook, key: k }
`;

const edge = (g: FlowGraph, source: string, target: string) => g.edges.find((e) => e.source === source && e.target === target);

describe("GET /flows/{namespace}/{id}/graph", () => {
  it("draws tasks in order, flowable tasks as clusters, errors, finally, triggers and subflow links", async () => {
    await t.deploy(FLOW);
    const g = (await (await t.api("/flows/graph.test/shape/graph")).json()) as FlowGraph;
    expect(edge(g, "root.start", "root.first")?.relation.relationType).toBe("SEQUENTIAL");
    expect(edge(g, "root.first", "root.fan")).toBeDefined();
    // Parallel: the task fans out to each child and joins at its end node
    expect(edge(g, "root.fan", "root.fan.a")?.relation.relationType).toBe("PARALLEL");
    expect(edge(g, "root.fan", "root.fan.b")?.relation.relationType).toBe("PARALLEL");
    expect(edge(g, "root.fan.a", "root.fan.end")).toBeDefined();
    expect(edge(g, "root.fan.end", "root.choose")).toBeDefined();
    // If: one CHOICE edge per branch, named by the branch
    expect(edge(g, "root.choose", "root.choose.yes")?.relation).toEqual({ relationType: "CHOICE", value: "then" });
    expect(edge(g, "root.choose", "root.choose.no")?.relation).toEqual({ relationType: "CHOICE", value: "else" });
    const fan = g.clusters.find((c) => c.cluster.uid === "cluster_root.fan")!;
    expect(fan.nodes.sort()).toEqual(["root.fan", "root.fan.a", "root.fan.b", "root.fan.end"]);
    expect(g.nodes.find((n) => n.uid === "root.call")).toMatchObject({ kind: "subflow", subflow: { namespace: "graph.test", flowId: "child" } });
    // errors start from the flow's start; finally runs after the tasks, then the end
    expect(edge(g, "root.start", "root.errors.alert")?.relation.relationType).toBe("ERROR");
    expect(edge(g, "root.call", "root.finally.start")).toBeDefined();
    expect(edge(g, "root.finally.start", "root.finally.cleanup")?.relation.relationType).toBe("FINALLY");
    expect(edge(g, "root.finally.cleanup", "root.end")).toBeDefined();
    expect(edge(g, "root.Triggers.hook", "root.start")).toBeDefined();
    expect(g.clusters.map((c) => c.cluster.type).sort()).toEqual(["errors", "finally", "flowable", "flowable", "triggers"]);
    // every edge joins nodes that exist
    const uids = new Set(g.nodes.map((n) => n.uid));
    for (const e of g.edges) expect(uids.has(e.source) && uids.has(e.target), `${e.source} → ${e.target}`).toBe(true);
  });

  it("draws a given revision, and answers 404 for an unknown flow or revision", async () => {
    await t.deploy("id: rev\nnamespace: graph.test\ntasks:\n  - { id: one, type: core.Log, message: x }\n");
    await t.deploy("id: rev\nnamespace: graph.test\ntasks:\n  - { id: two, type: core.Log, message: x }\n");
    const first = (await (await t.api("/flows/graph.test/rev/graph?revision=1")).json()) as FlowGraph;
    expect(first.nodes.map((n) => n.taskId)).toContain("one");
    const latest = (await (await t.api("/flows/graph.test/rev/graph")).json()) as FlowGraph;
    expect(latest.nodes.map((n) => n.taskId)).toContain("two");
    expect((await t.api("/flows/graph.test/nope/graph")).status).toBe(404);
    expect((await t.api("/flows/graph.test/rev/graph?revision=9")).status).toBe(404);
    expect((await t.api("/flows/graph.test/rev/graph?revision=x")).status).toBe(400);
  });
});
