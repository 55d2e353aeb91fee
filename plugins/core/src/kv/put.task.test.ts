import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { kvPutTask } from "./put.task.js";

/* Kestra's core/src/test/java/io/kestra/plugin/core/kv/PutTest.java, case by case. */
describe("core.kv.Put", () => {
  it("a single {value} entry replaces the value (shouldReplaceStringValue)", async () => {
    const r = await runTask(kvPutTask, { key: "test-key", value: [{ value: "new-value" }] }, { kv: { "test-key": "old-value" } });
    expect(r.kv["test-key"]).toBe("new-value");
  });

  it("keyed entries set JSON fields, dotted keys nested ones (shouldMergeJsonFromEntryList)", async () => {
    const r = await runTask(kvPutTask, { key: "test-key", value: [{ key: "def", value: 234 }, { key: "nested.b", value: 2 }] }, { kv: { "test-key": { abc: 123, nested: { a: 1 } } } });
    expect(r.kv["test-key"]).toEqual({ abc: 123, def: 234, nested: { a: 1, b: 2 } });
  });

  it("a map is deep-merged into the stored map (shouldMergeJsonFromMap)", async () => {
    const r = await runTask(kvPutTask, { key: "test-key", value: { def: 234, nested: { b: 2 } } }, { kv: { "test-key": { abc: 123, nested: { a: 1 } } } });
    expect(r.kv["test-key"]).toEqual({ abc: 123, def: 234, nested: { a: 1, b: 2 } });
  });

  it("a missing key is created from the entries (shouldCreateJsonOnMissingKeyByDefault)", async () => {
    const r = await runTask(kvPutTask, { key: "test-key", value: [{ key: "abc", value: 123 }, { key: "nested.def", value: 234 }] });
    expect(r.kv["test-key"]).toEqual({ abc: 123, nested: { def: 234 } });
  });

  it("errorOnMissing fails on a missing key with Kestra's message (shouldFailWhenMissingKeyAndErrorOnMissing)", async () => {
    await expect(runTask(kvPutTask, { key: "test-key", value: [{ value: "new-value" }], errorOnMissing: true })).rejects.toThrow(
      "No value found for key 'test-key' in namespace 'test' and `errorOnMissing` is set to true",
    );
  });

  it("keyed entries on a stored non-JSON value fail (shouldFailWhenApplyingKeyedUpdateOnNonJsonValue)", async () => {
    await expect(runTask(kvPutTask, { key: "test-key", value: [{ key: "abc", value: 123 }] }, { kv: { "test-key": "plain-string" } })).rejects.toThrow(
      "Cannot apply keyed `value` updates to a non-JSON existing KV value.",
    );
  });

  it("refuses a mix of keyed and whole-value entries, and a list that is not entries replaces the value", async () => {
    await expect(runTask(kvPutTask, { key: "k", value: [{ value: 1 }, { key: "a", value: 2 }] })).rejects.toThrow("`value` entries without `key` can only be used as a single replacement item.");
    const r = await runTask(kvPutTask, { key: "k", value: [1, 2] }, { kv: { k: { a: 1 } } });
    expect(r.kv.k).toEqual([1, 2]);
  });
});
