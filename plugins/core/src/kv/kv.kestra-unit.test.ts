// Kestra's unit tests of its KV tasks (core/src/test/java/io/kestra/plugin/core/kv/{Get,Delete,GetKeys,Set}Test.java);
// typed values (SetTest.typeSpecified) need the real store: conformance tasks/182
import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { kvDeleteTask, kvGetKeysTask, kvGetTask, kvSetTask } from "./kv.tasks.js";

const ns = "io.kestra.unit";

describe("GetTest", () => {
  it("shouldGetGivenExistingKey", async () => {
    const value = { date: "2026-12-05T10:00:00.000Z", int: 1, string: "string" };
    const r = await runTask(kvGetTask, { namespace: "{{ inputs.namespace }}", key: "{{ inputs.key }}" }, { namespace: ns, inputs: { key: "test-key", namespace: ns }, kv: { "test-key": value } });
    expect(r.outputs).toEqual({ value });
  });
  it("shouldGetGivenNonExistingKey: null, then Kestra's words with errorOnMissing", async () => {
    expect((await runTask(kvGetTask, { namespace: ns, key: "my-key" }, { namespace: ns })).outputs).toEqual({ value: null });
    await expect(runTask(kvGetTask, { namespace: ns, key: "my-key", errorOnMissing: true }, { namespace: ns })).rejects.toThrow(
      `No value found for key 'my-key' in namespace '${ns}' and \`errorOnMissing\` is set to true`,
    );
  });
});

describe("DeleteTest", () => {
  it("shouldOutputTrueGivenExistingKey", async () => {
    const r = await runTask(kvDeleteTask, { namespace: "{{ inputs.namespace }}", key: "{{ inputs.key }}" }, { namespace: ns, inputs: { key: "test-key", namespace: ns }, kv: { "test-key": "value" } });
    expect(r.outputs).toEqual({ deleted: true });
    expect(r.kv).toEqual({});
  });
  it("shouldOutputFalseGivenNonExistingKey: false, then Kestra's words with errorOnMissing", async () => {
    expect((await runTask(kvDeleteTask, { namespace: ns, key: "my-key" }, { namespace: ns })).outputs).toEqual({ deleted: false });
    await expect(runTask(kvDeleteTask, { namespace: ns, key: "my-key", errorOnMissing: true }, { namespace: ns })).rejects.toThrow(
      `No value found for key 'my-key' in namespace '${ns}' and \`errorOnMissing\` is set to true`,
    );
  });
});

describe("GetKeysTest", () => {
  const kv = { "test-key": "value", "test-second-key": "value", "another-key": "value" };
  it("shouldGetAllKeys", async () => {
    expect(((await runTask(kvGetKeysTask, {}, { kv })).outputs as { keys: string[] }).keys.sort()).toEqual(["another-key", "test-key", "test-second-key"]);
  });
  it("shouldGetKeysGivenMatchingPrefix", async () => {
    expect(((await runTask(kvGetKeysTask, { prefix: "{{ inputs.prefix }}" }, { kv, inputs: { prefix: "test" } })).outputs as { keys: string[] }).keys.sort()).toEqual(["test-key", "test-second-key"]);
  });
  it("shouldGetNoKeysGivenEmptyKeyStore", async () => {
    expect((await runTask(kvGetKeysTask, { prefix: "{{ inputs.prefix }}" }, { inputs: { prefix: "test" } })).outputs).toEqual({ keys: [] });
  });
});

describe("SetTest", () => {
  it("shouldSetKVGivenNoNamespace: a map input stays a map", async () => {
    const value = { date: "2026-12-05T10:00:00.000Z", int: 1, string: "string" };
    const r = await runTask(kvSetTask, { key: "{{ inputs.key }}", value: "{{ inputs.value }}" }, { inputs: { key: "test-key", value } });
    expect(r.kv).toEqual({ "test-key": value });
  });
  it("renders typed only a value that is one expression (Kestra's VariableRenderer.renderTyped)", async () => {
    const set = async (value: unknown) => (await runTask(kvSetTask, { key: "k", value }, { inputs: { list: [1, "a"], n: 2 } })).kv.k;
    expect(await set("{{ 1 + inputs.n }}")).toBe(3);
    expect(await set("{{- inputs.list -}}")).toEqual([1, "a"]);
    expect(await set("{{ inputs.n ?? 0 }}")).toBe(2);
    expect(await set("n={{ inputs.n }}")).toBe("n=2");
    expect(await set("{{ inputs.n }}{{ inputs.n }}")).toBe("22");
    expect(await set({ a: "{{ inputs.n }}" })).toEqual({ a: "2" });
    expect(await set("plain")).toBe("plain");
    await expect(set("{{ inputs.nope }}")).rejects.toThrow(/`\{\{ inputs\.nope \}\}`/);
  });
  it("kvDescription (the newest Set's) is refused: a KV pair has no description in Ferry", async () => {
    await expect(runTask(kvSetTask, { key: "k", value: "v", kvDescription: "d" })).rejects.toThrow(/not supported by Ferry yet: kvDescription/);
  });
  it("shouldFailGivenExistingKeyAndOverwriteFalse: Kestra's words", async () => {
    await expect(runTask(kvSetTask, { key: "test-key", value: "v", overwrite: false }, { kv: { "test-key": "old" } })).rejects.toThrow(
      "Cannot set value for key 'test-key'. Key already exists and `overwrite` is set to `false`.",
    );
  });
});
