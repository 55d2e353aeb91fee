import { pluginDocPage } from "@ferry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

interface Doc {
  type: string;
  kind: string;
  markdown: string;
  aliases: string[];
  schema: { properties: { properties: Record<string, unknown>; required?: string[] }; outputs?: unknown };
  examples: Array<{ title: string; flow: string }>;
}

describe("GET /plugins/{type}", () => {
  it("answers a task type's page from the definition ferry plugin docs reads, found by its name or an alias", async () => {
    const doc = (await (await t.api("/plugins/core.Log")).json()) as Doc;
    expect(doc.kind).toBe("task");
    expect(doc.schema.properties.properties).toHaveProperty("message");
    expect(doc.examples.length).toBeGreaterThan(0);
    const def = t.ferry.deps.registry.task("core.Log")!;
    expect(doc.markdown).toBe(pluginDocPage(def, "task"));
    const byAlias = (await (await t.api(`/plugins/${encodeURIComponent("io.kestra.plugin.core.log.Log")}`)).json()) as Doc;
    expect(byAlias.type).toBe("core.Log");
  });

  it("answers a trigger type, and 404 naming an unknown type", async () => {
    const doc = (await (await t.api("/plugins/core.trigger.Webhook")).json()) as Doc;
    expect(doc.kind).toBe("trigger");
    expect(doc.schema.properties.properties).toHaveProperty("key");
    const missing = await t.api("/plugins/core.Nope");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain("core.Nope");
  });
});
