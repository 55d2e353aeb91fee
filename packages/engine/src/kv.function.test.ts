import { renderString } from "@ferry/core";
import { setNamespaceIsolation } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";
import { kvAccess, kvFunction } from "./worker/kv-access.js";

/*
 * kv(), as Kestra's KvFunctionTest asserts it (core/src/test/java/io/kestra/core/runners/pebble/
 * functions/KvFunctionTest.java): rendered for a flow of a namespace, over the real KV store.
 *
 * Any flow reads any namespace's KV store, as in Kestra's open-source edition
 * (shouldGetValueFromKVGivenExistingAndNamespace reads namespace 'kv' from 'io.kestra.tests'); with
 * `namespaces.isolation: tree` only its own, its parents' and kv.sharedNamespaces. Where Ferry differs:
 * an expired pair is purged when read, so it "does not exist" (Kestra says "The requested value
 * has expired" when errorOnMissing is true; with errorOnMissing=false both give nothing).
 */

let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
});
afterAll(async () => h?.close());

const render = (template: string, namespace: string, shared: string[] = []) =>
  renderString(template, { variables: { flow: { id: "f", namespace } }, functions: { kv: kvFunction(kvAccess(h.kv, namespace, shared), namespace) } });

describe("kv() (KvFunctionTest)", () => {
  it("shouldGetValueFromKVGivenExistingKey", async () => {
    await h.kv.set("io.ferry.tests", "my-key", { field: "value" });
    expect(await render("{{ kv('my-key') }}", "io.ferry.tests")).toBe('{"field":"value"}');
  });

  it("shouldGetValueFromKVGivenExistingKeyWithInheritance: the nearest parent's", async () => {
    await h.kv.set("my.company", "my-key", { field: "value" });
    await h.kv.set("my", "my-key", { field: "firstValue" });
    expect(await render("{{ kv('my-key') }}", "my.company.team")).toBe('{"field":"value"}');
  });

  it("shouldNotGetValueFromKVWithGivenNamespaceAndInheritance: a namespace given is not inherited", async () => {
    await h.kv.set("kv", "my-key", { field: "value" });
    await expect(render("{{ kv('my-key', namespace='kv.inherited') }}", "my.company.team")).rejects.toThrow();
  });

  it("shouldGetValueFromKVGivenExistingAndNamespace: another namespace's, as Kestra's open-source edition allows", async () => {
    await h.kv.set("kv", "my-key", { field: "value" });
    expect(await render("{{ kv('my-key', namespace='kv') }}", "io.ferry.tests")).toBe('{"field":"value"}');
  });

  it("with namespaces.isolation: tree, another namespace only when kv.sharedNamespaces shares it", async () => {
    await h.kv.set("kv", "my-key", { field: "value" });
    const before = setNamespaceIsolation("tree");
    try {
      expect(await render("{{ kv('my-key', namespace='kv') }}", "io.ferry.tests", ["kv"])).toBe('{"field":"value"}');
      await expect(render("{{ kv('my-key', namespace='kv') }}", "io.ferry.tests")).rejects.toThrow(/may not use the KV store of namespace kv \(namespaces\.isolation: tree/);
    } finally {
      setNamespaceIsolation(before);
    }
  });

  it("shouldGetEmptyGivenNonExistingKeyAndErrorOnMissingFalse", async () => {
    expect(await render("{{ kv('missing-key', errorOnMissing=false) }}", "io.ferry.tests")).toBe("");
  });

  it("shouldFailGivenNonExistingKeyAndErrorOnMissingTrue and shouldFailGivenNonExistingKeyUsingDefaults", async () => {
    await expect(render("{{ kv('missing-key', errorOnMissing=true) }}", "io.ferry.tests")).rejects.toThrow("The key 'missing-key' does not exist in the namespace 'io.ferry.tests'.");
    await expect(render("{{ kv('missing-key') }}", "io.ferry.tests")).rejects.toThrow("The key 'missing-key' does not exist in the namespace 'io.ferry.tests'.");
  });

  it("KvFunction.getKey: refused without a key", async () => {
    await expect(render("{{ kv() }}", "io.ferry.tests")).rejects.toThrow("The 'kv' function expects an argument 'key'.");
  });

  it("in a task (flows/valids/kv.yaml): the task fails, its log names the key and the namespace", async () => {
    const r = await h.run(`id: kv
namespace: io.ferry.kvmissing
inputs:
  - { id: namespace, type: STRING, required: false, defaults: "io.ferry.kvmissing" }
  - { id: errorOnMissing, type: BOOLEAN, required: false, defaults: false }
tasks:
  - { id: getWithArgs, type: core.Return, format: "{{ kv('my-key', inputs.namespace, inputs.errorOnMissing).field }}" }
`, { errorOnMissing: true });
    expect(r.state("getWithArgs")).toBe("FAILED");
    const failed = r.runs("getWithArgs")[0]!;
    expect(r.logs.some((l) => l.taskRunId === failed.id && l.message.includes("The key 'my-key' does not exist in the namespace 'io.ferry.kvmissing'."))).toBe(true);
  });
});
