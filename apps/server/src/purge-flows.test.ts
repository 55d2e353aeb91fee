// Kestra's PurgeFlowsTest (core/src/test/java/io/kestra/plugin/core/flow/PurgeFlowsTest.java), on a real server:
// revisions saved through the API, purged by a flow, read back through GET .../revisions
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "./server.test-support.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry({ retention: { enabled: false } })));
afterAll(async () => t?.close());

const flow = (namespace: string, id: string, message: string) => `id: ${id}\nnamespace: ${namespace}\ntasks:\n  - { id: return, type: core.Log, message: ${message} }\n`;
const saveRevisions = async (namespace: string, id: string, ...messages: string[]) => {
  for (const m of messages) await t.deploy(flow(namespace, id, m));
};
const revisions = async (namespace: string, id: string) =>
  ((await (await t.api(`/flows/${namespace}/${id}/revisions`)).json()) as Array<{ revision: number }>).map((r) => r.revision);
const purge = async (task: string) => {
  await t.deploy(`id: purge\nnamespace: system\ntasks:\n  - id: purge\n    type: io.kestra.plugin.core.flow.PurgeFlows\n${task}`);
  const response = await t.api("/executions/system/purge?wait=true", { method: "POST" });
  const execution = (await response.json()) as { state: { current: string }; taskRunList: Array<{ outputs: { size: number } }> };
  expect(execution.state.current).toBe("SUCCESS");
  return execution.taskRunList[0].outputs.size;
};

describe("PurgeFlows", () => {
  it("shouldPurgeOldRevisionsByKeepAmount: keeps the newest keepAmount revisions, in the namespace and its children only", async () => {
    await saveRevisions("pf.keep", "f", "first", "second", "third");
    await saveRevisions("pf.keep.child", "c", "first", "second");
    await saveRevisions("pf.other", "o", "first", "second");
    expect(await purge("    namespaces: [pf.keep]\n    behavior: { type: version, keepAmount: 2 }\n")).toBe(1);
    expect(await revisions("pf.keep", "f")).toEqual([2, 3]);
    expect(await revisions("pf.keep.child", "c")).toEqual([1, 2]);
    expect(await revisions("pf.other", "o")).toEqual([1, 2]);
    // includeChildNamespaces: false leaves the child; the default keepAmount 1 purges all but the latest
    expect(await purge("    namespaces: [pf.keep]\n    includeChildNamespaces: false\n")).toBe(1);
    expect(await revisions("pf.keep", "f")).toEqual([3]);
    expect(await revisions("pf.keep.child", "c")).toEqual([1, 2]);
    // a later save continues after the highest revision kept
    await saveRevisions("pf.keep", "f", "fourth");
    expect(await revisions("pf.keep", "f")).toEqual([3, 4]);
  });

  it("shouldPurgeOldRevisionsByDateWithoutDeletingLatestRevision", async () => {
    await saveRevisions("pf.date", "f", "first");
    await new Promise((r) => setTimeout(r, 5)); // revisions saved in one millisecond would tie with the cut
    const afterFirst = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await saveRevisions("pf.date", "f", "second", "third");
    expect(await purge(`    namespaces: [pf.date]\n    behavior: { type: version, before: "${afterFirst}" }\n`)).toBe(1);
    expect(await revisions("pf.date", "f")).toEqual([2, 3]);
    // everything before now: the latest stays, the flow still runs
    expect(await purge(`    namespaces: [pf.date]\n    behavior: { type: version, before: "${new Date(Date.now() + 60_000).toISOString()}" }\n`)).toBe(1);
    expect(await revisions("pf.date", "f")).toEqual([3]);
    expect((await t.api("/flows/pf.date/f")).status).toBe(200);
  });

  it("shouldPurgeOnlyFlowsMatchingPattern, by namespacePattern", async () => {
    await saveRevisions("pf.pattern", "matching_a", "first", "second");
    await saveRevisions("pf.pattern", "other_a", "first", "second");
    expect(await purge('    namespacePattern: "pf.pat*"\n    flowPattern: "matching_*"\n')).toBe(1);
    expect(await revisions("pf.pattern", "matching_a")).toEqual([2]);
    expect(await revisions("pf.pattern", "other_a")).toEqual([1, 2]);
  });

  it("validation: before with keepAmount, and namespaces with namespacePattern, are refused at deploy in Kestra's words", async () => {
    const deploy = (task: string) =>
      t.api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: `id: bad-purge\nnamespace: system\ntasks:\n  - id: purge\n    type: io.kestra.plugin.core.flow.PurgeFlows\n${task}` });
    const both = await deploy('    behavior: { type: version, keepAmount: 2, before: "2026-01-01T00:00:00Z" }\n');
    expect(both.status).toBe(422);
    expect(await both.text()).toContain("Cannot set both 'before' and 'keepAmount' properties");
    const namespaces = await deploy('    namespaces: [a]\n    namespacePattern: "a*"\n');
    expect(namespaces.status).toBe(422);
    expect(await namespaces.text()).toContain("Properties `namespaces` and `namespacePattern` can't be used at the same time");
    const zero = await deploy("    behavior: { type: version, keepAmount: 0 }\n");
    expect(zero.status).toBe(422);
    expect(await zero.text()).toContain("keepAmount");
  });
});
