import corePlugin from "@ferry/plugin-core";
import scriptPlugin from "@ferry/plugin-script";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseFlow } from "../flow/parse-flow.js";
import { flowJsonSchema } from "./json-schema.js";
import { pluginDocPage } from "./plugin-docs.js";
import { PluginRegistry } from "./registry.js";

const registry = new PluginRegistry([corePlugin, scriptPlugin]);
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validate = ajv.compile(flowJsonSchema(registry));

describe("the flow JSON Schema", () => {
  it("accepts every example flow the plugins document, and templated values where types are expected", () => {
    const examples = registry.taskDefinitions().flatMap((d) => ("examples" in d ? (d.examples ?? []) : []));
    expect(examples.length).toBeGreaterThan(3);
    for (const example of examples) expect(validate(parse(example.flow)), `${example.title}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    const templated = { id: "f", namespace: "n", tasks: [{ id: "s", type: "core.Sleep", duration: "{{ inputs.d }}" }, { id: "l", type: "io.kestra.plugin.core.log.Log", message: "hi" }] };
    expect(validate(templated), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const nested = { id: "f", namespace: "n", tasks: [{ id: "p", type: "core.Parallel", tasks: [{ id: "l", type: "core.Log", message: "in" }] }], triggers: [{ id: "h", type: "core.trigger.Webhook", key: "k" }] };
    expect(validate(nested), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it("refuses unknown types, missing required properties and children that are not tasks", () => {
    expect(validate({ id: "f", namespace: "n", tasks: [{ id: "x", type: "acme.Nope" }] })).toBe(false);
    expect(validate({ id: "f", namespace: "n", tasks: [{ id: "x", type: "core.Log" }] })).toBe(false);
    expect(validate({ id: "f", namespace: "n", tasks: [{ id: "p", type: "core.Sequential", tasks: [{ id: "bad" }] }] })).toBe(false);
    expect(validate({ namespace: "n", tasks: [] })).toBe(false);
  });
});

describe("the flow JSON Schema refuses what the server refuses", () => {
  const flow = (task: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: "f", namespace: "n", tasks: [{ id: "t", ...task }], ...extra });
  const server = new PluginRegistry([corePlugin, scriptPlugin]);
  const refusedByServer = (value: Record<string, unknown>) => {
    expect(() => parseFlow(stringify(value), server)).toThrow();
    return validate(value);
  };
  it("a typo in a task's or a trigger's properties, at any depth, and an unknown flow property", () => {
    expect(refusedByServer(flow({ type: "core.Log", message: "hi", levle: "WARN" }))).toBe(false);
    expect(refusedByServer(flow({ type: "core.http.Request", uri: "http://x", options: { readTimout: "PT1S" } }))).toBe(false);
    expect(refusedByServer(flow({ type: "core.Log", message: "hi" }, { triggers: [{ id: "h", type: "core.trigger.Webhook", key: "k", wiat: true }] }))).toBe(false);
    expect(refusedByServer(flow({ type: "core.Log", message: "hi" }, { descripton: "typo" }))).toBe(false);
  });
  it("a Kestra property Ferry does not honour yet", () => {
    expect(refusedByServer(flow({ type: "core.Log", message: "hi" }, { concurrency: { limit: 2 } }))).toBe(false);
    expect(refusedByServer(flow({ type: "core.Log", message: "hi", workerGroup: { key: "gpu" } }))).toBe(false);
    expect(refusedByServer(flow({ type: "script.Shell", commands: ["id"], containerImage: "ubuntu:22.04" }))).toBe(false);
  });
});

describe("plugin docs", () => {
  it("writes a page per type from its definition: title, aliases, properties with types and defaults, outputs, examples", () => {
    const page = pluginDocPage(registry.task("core.http.Request")!, "task");
    expect(page).toContain("# core.http.Request");
    expect(page).toContain("`io.kestra.plugin.core.http.Request`");
    expect(page).toMatch(/\| `uri` \| string \| yes \|/);
    expect(page).toMatch(/\| `method` \| .*GET.* \| {2}\| `"GET"` \|/);
    expect(page).toContain("## Outputs");
    expect(page).toContain("```yaml");
    expect(pluginDocPage(registry.trigger("core.trigger.Schedule")!, "trigger")).toContain("| `cron` | string | yes |");
  });
});
