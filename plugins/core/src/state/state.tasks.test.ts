import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { mergeMaps } from "./merge.js";
import { slugify, stateKey } from "./state-key.js";
import { stateDeleteTask, stateGetTask, stateSetTask } from "./state.tasks.js";

describe("Kestra's state store in the KV store", () => {
  it("keys a state by flow, name and iteration value, as Kestra's StateStore does", async () => {
    expect(slugify("My Flow_2")).toBe("my-flow-2");
    expect(await stateKey({ flowId: "test", name: "default", namespaceScoped: false })).toBe("test_states_tasks-states_default");
    expect(await stateKey({ flowId: "test", name: "x", namespaceScoped: true })).toBe("states_tasks-states_x");
    const a = await stateKey({ flowId: "test", name: "x", namespaceScoped: false, taskrunValue: "a" });
    expect(a).toMatch(/^test_states_tasks-states_x_[0-9a-f]{24}$/);
    expect(a).not.toBe(await stateKey({ flowId: "test", name: "x", namespaceScoped: false, taskrunValue: "b" }));
  });

  it("Set merges into the stored map, Get reads it, Delete removes it", async () => {
    const kv: Record<string, unknown> = {};
    let r = await runTask(stateSetTask, { data: { "{{ inputs.store }}": "md5-1", nested: { a: 1 } } }, { inputs: { store: "paris" }, kv });
    expect(r.outputs).toEqual({ count: 2, key: "test_states_tasks-states_default" });
    r = await runTask(stateSetTask, { data: { lyon: "md5-2", nested: { b: 2 } } }, { kv: r.kv });
    expect(r.outputs).toMatchObject({ count: 3 });
    const got = await runTask(stateGetTask, {}, { kv: r.kv });
    expect(got.outputs).toEqual({ count: 3, data: { paris: "md5-1", lyon: "md5-2", nested: { a: 1, b: 2 } } });
    expect((await runTask(stateGetTask, { name: "other" }, { kv: r.kv })).outputs).toEqual({ count: 0, data: {} });
    await expect(runTask(stateGetTask, { name: "other", errorOnMissing: true }, { kv: r.kv })).rejects.toThrow(/State test_states_tasks-states_other not found/);
    const deleted = await runTask(stateDeleteTask, {}, { kv: r.kv });
    expect(deleted.outputs).toEqual({ deleted: true });
    expect(deleted.kv).toEqual({});
    expect((await runTask(stateDeleteTask, {}, { kv: deleted.kv })).outputs).toEqual({ deleted: false });
    await expect(runTask(stateDeleteTask, { errorOnMissing: true }, { kv: deleted.kv })).rejects.toThrow(/Unable to find the state file 'default'/);
  });

  it("namespace: true shares the state between the namespace's flows", async () => {
    const r = await runTask(stateSetTask, { namespace: true, name: "shared", data: { k: "v" } });
    expect(Object.keys(r.kv)).toEqual(["states_tasks-states_shared"]);
  });

  it("merges as Kestra's MapUtils does: maps key by key, lists joined, a null keeps the old value", () => {
    expect(mergeMaps({ a: { x: 1 }, l: [1, 2], n: "old", s: "s" }, { a: { y: 2 }, l: [2, 3], n: null, s: "t" })).toEqual({ a: { x: 1, y: 2 }, l: [1, 2, 3], n: "old", s: "t" });
  });
});
