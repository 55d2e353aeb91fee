import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { mayDeclareTriggers } from "./declared-triggers.js";

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry();
});
afterAll(async () => t?.close());

const hooked = (id: string, key: string, extra = "") => `id: ${id}
namespace: index.test
tasks:
  - { id: ret, type: core.Return, format: "{{ trigger.body }}" }
${extra}triggers:
  - { id: hook, type: io.kestra.plugin.core.trigger.Webhook, key: ${key} }
`;
const call = async (id: string, key: string) => (await fetch(`${t.ferry.url}/api/v1/executions/webhook/index.test/${id}/${key}`, { method: "POST" })).status;
const triggerIds = async (id: string) => (await t.ferry.deps.triggers.index.of("index.test", id)).map((x) => x.ref.triggerId);
/** polls until check holds, for at most ms */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

describe("trigger index", () => {
  it("follows creates, updates and deletes through the API at once", async () => {
    await t.deploy(hooked("api", "one"));
    expect(await call("api", "one")).toBe(200);
    await t.deploy(hooked("api", "two"));
    expect([await call("api", "one"), await call("api", "two")]).toEqual([404, 200]);
    // a new revision without triggers: the webhook leaves with it
    await t.deploy(hooked("api", "two").replace(/triggers:[\s\S]*/, ""));
    expect(await triggerIds("api")).toEqual([]);
    expect(await call("api", "two")).toBe(404);
    await t.deploy(hooked("api", "three"));
    expect((await t.api("/flows/index.test/api", { method: "DELETE" })).status).toBe(204);
    expect(await triggerIds("api")).toEqual([]);
    expect(await call("api", "three")).toBe(404);
    // a poll reading rows from before the delete does not bring it back
    await t.ferry.deps.triggers.index.refresh();
    expect(await call("api", "three")).toBe(404);
  });

  it("follows saves and deletes made through the repository (as another replica makes them) within a poll", async () => {
    const { repository, triggers } = t.ferry.deps;
    await repository.saveFlow({ namespace: "index.test", id: "elsewhere", source: hooked("elsewhere", "k1") });
    const shown = await within(3000, async () => (await call("elsewhere", "k1")) === 200);
    expect(shown).toBeLessThan(2500);
    await repository.saveFlow({ namespace: "index.test", id: "elsewhere", source: hooked("elsewhere", "k2") });
    await within(3000, async () => (await call("elsewhere", "k2")) === 200);
    expect(await call("elsewhere", "k1")).toBe(404);
    await repository.deleteFlow("index.test", "elsewhere");
    await within(3000, async () => (await triggers.index.of("index.test", "elsewhere")).length === 0);
    expect(await call("elsewhere", "k2")).toBe(404);
    // saved again: the next revision, live again
    await repository.saveFlow({ namespace: "index.test", id: "elsewhere", source: hooked("elsewhere", "k3") });
    await within(3000, async () => (await call("elsewhere", "k3")) === 200);
  });

  it("a trigger disabled through the repository stops answering within a poll", async () => {
    await t.deploy(hooked("switched", "on"));
    expect(await call("switched", "on")).toBe(200);
    await t.ferry.deps.repository.setTriggerDisabled({ namespace: "index.test", flowId: "switched", triggerId: "hook" }, true);
    await within(3000, async () => (await call("switched", "on")) === 404);
    expect((await (await t.api("/triggers/index.test/switched/hook")).json()).triggerContext.disabled).toBe(true);
  });

  it("a webhook lookup reads nothing from the repository, found or not", async () => {
    await t.deploy(hooked("quiet", "key"));
    const repository = t.ferry.deps.repository;
    const reads: string[] = [];
    const spies = (["getFlow", "searchFlows", "listFlowChanges", "listTriggerStates"] as const).map((name) => {
      const original = repository[name].bind(repository) as (...args: unknown[]) => unknown;
      (repository as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => (reads.push(name), original(...args));
      return () => ((repository as unknown as Record<string, unknown>)[name] = original);
    });
    try {
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push(await call("quiet", "key"), await call("quiet", "wrong"), await call(`unknown${i}`, "key"));
      expect(statuses.filter((s) => s === 200).length).toBe(20);
      expect(statuses.filter((s) => s === 404).length).toBe(40);
      // only the index's own polls, at most one a second
      expect(reads.filter((name) => name === "getFlow" || name === "searchFlows")).toEqual([]);
      // the spy sees what goes through the repository the server uses
      await repository.getFlow("index.test", "quiet");
      expect(reads).toContain("getFlow");
    } finally {
      for (const restore of spies) restore();
    }
  });

  it("a flow disabled by its own property answers 404, and the trigger API finds triggers by flow", async () => {
    await t.deploy(hooked("off", "key", "disabled: true\n"));
    expect(await call("off", "key")).toBe(404);
    expect((await t.api("/triggers/index.test/off/hook")).status).toBe(200);
    expect((await t.api("/triggers/index.test/off/nope")).status).toBe(404);
  });
});

describe("mayDeclareTriggers", () => {
  it("is false only when no spelling of the key `triggers` can be in the YAML", () => {
    expect(mayDeclareTriggers("id: a\nnamespace: b\ntasks: []\n")).toBe(false);
    expect(mayDeclareTriggers("{id: a, namespace: b, triggers: [{id: t, type: x}]}")).toBe(true);
    expect(mayDeclareTriggers('"triggers": []')).toBe(true);
    // a double-quoted key written with escapes: only a backslash tells
    expect(mayDeclareTriggers('"\\x74riggers": []')).toBe(true);
  });
});
