import corePlugin from "@ferry/plugin-core";
import scriptPlugin from "@ferry/plugin-script";
import { Ajv2020 } from "ajv/dist/2020.js";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { parseFlow } from "../flow/parse-flow.js";
import { refusalCases } from "../flow/refusal-flows.test-support.js";
import { propertyRows } from "../flow/support-table.js";
import { flowJsonSchema } from "./json-schema.js";
import { pluginDocPage } from "./plugin-docs.js";
import { PluginRegistry } from "./registry.js";

const registry = new PluginRegistry([corePlugin, scriptPlugin]);
// refs are called, not inlined: every type's schema inlined into the one choosing by `type` made its frame big enough for
// five levels of nesting (conformance executor/027) to overflow the stack
const ajv = new Ajv2020({ strict: false, allErrors: true, inlineRefs: false });
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

  it("checks a Pause's onResume inputs as the flow's inputs", () => {
    const pause = (onResume: unknown) => ({ id: "f", namespace: "n", tasks: [{ id: "p", type: "core.Pause", onResume }] });
    expect(validate(pause([{ id: "ok", type: "BOOLEAN", defaults: true }])), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(validate(pause([{ id: "bad", type: "NOPE" }]))).toBe(false);
    expect(() => parseFlow(stringify(pause([{ id: "bad", type: "NOPE" }])), registry)).toThrow(/NOPE/);
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
  it("a script's containerImage without a taskRunner, and takes it beside the Process runner", () => {
    const shell = { type: "io.kestra.plugin.scripts.shell.Commands", commands: ["echo"], containerImage: "ubuntu" };
    expect(refusedByServer(flow(shell))).toBe(false);
    const withRunner = flow({ ...shell, taskRunner: { type: "io.kestra.plugin.core.runner.Process" } });
    expect(() => parseFlow(stringify(withRunner), server)).not.toThrow();
    expect(validate(withRunner), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });
  it("every refusal docs/kestra-properties.md lists, as the server refuses it", () => {
    const cases = refusalCases(propertyRows(server, server.taskDefinitions().map((d) => d.type)), server);
    expect(cases.length).toBeGreaterThan(30);
    for (const { name, source } of cases) {
      expect(() => parseFlow(source, server), name).toThrow();
      expect(validate(parse(source)), name).toBe(false);
    }
  });
  it("a Kestra property Ferry does not honour yet", () => {
    expect(refusedByServer(flow({ type: "core.Log", message: "hi" }, { listeners: [{ conditions: [], tasks: [{ id: "l", type: "core.Log", message: "l" }] }] }))).toBe(false);
    expect(refusedByServer(flow({ type: "core.Log", message: "hi", workerGroup: { key: "gpu" } }))).toBe(false);
    expect(refusedByServer(flow({ type: "script.Shell", commands: ["id"], containerImage: "ubuntu:22.04" }))).toBe(false);
  });
});

describe("the flow JSON Schema accepts what the server accepts", () => {
  const withInputs = (inputs: unknown[]) => ({ id: "f", namespace: "n", inputs, tasks: [{ id: "l", type: "core.Log", message: "hi" }] });
  const acceptedByServer = (value: Record<string, unknown>) => {
    expect(() => parseFlow(stringify(value), registry)).not.toThrow();
    return validate(value) || JSON.stringify(validate.errors?.filter((e) => !["anyOf", "oneOf", "const"].includes(e.keyword)).slice(0, 3));
  };

  it("every rule of every input type the server honours", () => {
    const inputs = [
      { id: "user", type: "STRING", validator: "^student(\\d+)?$", defaults: "student", displayName: "User", description: "who" },
      { id: "token", type: "SECRET", validator: "[a-z]+", required: false },
      { id: "age", type: "INT", min: 18, max: 120, defaults: 42 },
      { id: "ratio", type: "FLOAT", min: 0, max: 1.5 },
      { id: "wait", type: "DURATION", min: "PT1M", max: "PT1H", defaults: "PT5M" },
      { id: "when", type: "DATETIME", after: "2024-01-01T00:00:00Z", before: "2030-01-01T00:00:00Z" },
      { id: "day", type: "DATE", after: "2024-01-01", defaults: "2024-06-01" },
      { id: "at", type: "TIME", before: "18:00" },
      { id: "size", type: "SELECT", values: ["small", "large"], allowCustomValue: true, defaults: "medium" },
      { id: "tags", type: "MULTISELECT", values: ["a", "b"], itemType: "STRING", defaults: ["a"] },
      { id: "list", type: "ARRAY", itemType: "INT", defaults: [1, 2] },
      { id: "report", type: "FILE", allowedFileExtensions: [".csv"], required: false },
      { id: "legacy", type: "ENUM", values: ["A", "B"] },
      { id: "doc", type: "JSON", defaults: { a: 1 } },
      { id: "flag", type: "BOOLEAN", defaults: true },
    ];
    expect(acceptedByServer(withInputs(inputs))).toBe(true);
  });

  it("Kestra's deprecated spellings, name: for an input's id and options: for MULTISELECT values, flagged deprecated", () => {
    expect(acceptedByServer(withInputs([{ name: "who", type: "STRING" }]))).toBe(true);
    expect(acceptedByServer(withInputs([{ id: "same", name: "same", type: "INT", min: 1 }]))).toBe(true);
    expect(acceptedByServer(withInputs([{ id: "pick", type: "MULTISELECT", options: ["x", "y"] }]))).toBe(true);
    expect(acceptedByServer(withInputs([{ name: "pick", type: "MULTISELECT", options: ["x", "y"], defaults: ["x"] }]))).toBe(true);
    const [input] = (flowJsonSchema(registry).properties as { inputs: { items: { oneOf: Array<{ properties: Record<string, { const?: string; deprecated?: boolean; type?: string }> }> } } }).inputs.items.oneOf.filter(
      (o) => o.properties.type.const === "MULTISELECT",
    );
    expect(input.properties.name).toMatchObject({ type: "string", deprecated: true });
    expect(input.properties.options).toMatchObject({ type: "array", deprecated: true });
    expect(input.properties.id.deprecated).toBeUndefined();
    // and what the server refuses it still refuses: neither spelling, or a value of the wrong type
    expect(() => parseFlow(stringify(withInputs([{ type: "STRING" }])), registry)).toThrow();
    expect(validate(withInputs([{ type: "STRING" }]))).toBe(false);
    expect(validate(withInputs([{ id: "pick", type: "MULTISELECT" }]))).toBe(false);
    expect(validate(withInputs([{ name: 3, type: "STRING" }]))).toBe(false);
    expect(validate(withInputs([{ id: "pick", type: "MULTISELECT", options: "x" }]))).toBe(false);
  });

  it("every flow of examples/flows and of the conformance cases", () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
    // the shared corpus sits beside the checkout on the team's machines; examples and our own cases are in it
    const files = [join(root, "examples/flows"), join(root, "integration-tests/conformance"), join(root, "../../shared/conformance")]
      .filter((dir) => existsSync(dir))
      .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml")).map((f) => join(dir, f)))
      // a conformance case whose flow Kestra refuses at deploy is the server's to refuse, not this schema's to accept
      .filter((file) => !existsSync(join(dirname(file), "expect.json")) || JSON.parse(readFileSync(join(dirname(file), "expect.json"), "utf8")).state !== "REFUSED");
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      expect(() => parseFlow(source, registry), file).not.toThrow();
      expect(validate(parse(source)), `${file}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
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
