import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

// Kestra's TemplatedTaskTest (plugin/core/templating): the flow's pluginDefaults reach the task a
// TemplatedTask runs, as they reach a task the flow declares (ticket #2253)
const flow = (id: string, defaults: string, spec: string) => `
id: ${id}
namespace: test.templated
pluginDefaults:
${defaults}
tasks:
  - id: template
    type: io.kestra.plugin.core.templating.TemplatedTask
    spec: |
${spec}
`;

describe("TemplatedTask and the flow's pluginDefaults", () => {
  it("a property the spec leaves out comes from a default; one it sets stays; a forced default wins", async () => {
    const defaults = "  - type: io.kestra.plugin.core.debug.Return\n    values:\n      format: It's alive!";
    const forced = "  - type: io.kestra.plugin.core.debug.Return\n    forced: true\n    values:\n      format: It's alive!";
    const bare = "      type: io.kestra.plugin.core.debug.Return";
    const own = `${bare}\n      format: It's mine!`;
    // shouldApplyDefaultWhenSpecOmitsPropertyGivenNonForcedPluginDefault
    expect(await (await h.run(flow("omits", defaults, bare))).outputs("template")).toEqual({ value: "It's alive!" });
    // shouldKeepSpecValueWhenSpecSetsPropertyGivenNonForcedPluginDefault
    expect(await (await h.run(flow("keeps", defaults, own))).outputs("template")).toEqual({ value: "It's mine!" });
    // shouldOverrideSpecValueWhenSpecSetsPropertyGivenForcedPluginDefault
    expect(await (await h.run(flow("forced", forced, own))).outputs("template")).toEqual({ value: "It's alive!" });
  });

  it("a plain task and a templated one of the same type log the same defaulted message, rendered with the flow's variables", async () => {
    // shouldLogSameMessageWhenPlainAndTemplatedTaskRunGivenPluginDefaultForTaskType
    const r = await h.run(`
id: test_defaults
namespace: test.templated
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      message: "{{ vars.message }} xyz"
variables:
  message: abc
tasks:
  - id: test1
    type: io.kestra.plugin.core.log.Log
  - id: test2
    type: io.kestra.plugin.core.templating.TemplatedTask
    spec: |
      type: io.kestra.plugin.core.log.Log
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages().filter((m) => m === "abc xyz")).toHaveLength(2);
  });

  it("a default of another type is not applied, and a spec still missing a required property fails naming it", async () => {
    const r = await h.run(flow("other", "  - type: io.kestra.plugin.core.log.Log\n    values:\n      message: never", "      type: io.kestra.plugin.core.http.Download"));
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/uri/);
  });

  // shouldApplyDefaultWhenSpecDeclaresPluginDefaultsRefGivenNamedPluginDefault; PluginDefaultsCaseTest.pluginDefaultsRefNotFound
  it("a spec naming a pluginDefaultsRef takes that named default, not its type's; a ref that names none fails the task", async () => {
    const named = "  - type: io.kestra.plugin.core.debug.Return\n    ref: alive\n    values:\n      format: It's alive!\n  - type: io.kestra.plugin.core.debug.Return\n    values:\n      format: typed";
    const opted = "      type: io.kestra.plugin.core.debug.Return\n      pluginDefaultsRef: alive";
    expect(await (await h.run(flow("named", named, opted))).outputs("template")).toEqual({ value: "It's alive!" });
    expect(await (await h.run(flow("typed", named, "      type: io.kestra.plugin.core.debug.Return"))).outputs("template")).toEqual({ value: "typed" });
    const broken = await h.run(flow("broken", named, "      type: io.kestra.plugin.core.debug.Return\n      format: should never run\n      pluginDefaultsRef: does-not-exist"));
    expect(broken.execution.state.current).toBe("FAILED");
    expect(broken.state("template")).toBe("FAILED");
    expect(broken.messages().join("\n")).toContain("pluginDefaultsRef 'does-not-exist' names no plugin default of this flow for io.kestra.plugin.core.debug.Return");
  });
});
