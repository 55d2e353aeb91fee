import corePlugin from "@ferry/plugin-core";
import scriptPlugin from "@ferry/plugin-script";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { supportTable } from "./support-table.js";

const DOC = fileURLToPath(new URL("../../../../docs/kestra-properties.md", import.meta.url));
const registry = new PluginRegistry([corePlugin, scriptPlugin]);
const table = () => supportTable(registry, ["script.Shell", "script.Node", "script.Python", "core.Log", "core.Subflow", "core.PurgeFlows"]);

describe("docs/kestra-properties.md", () => {
  it("is the table the schemas give (FERRY_WRITE_DOCS=1 rewrites it)", async () => {
    if (process.env.FERRY_WRITE_DOCS) await writeFile(DOC, table());
    expect(await readFile(DOC, "utf8")).toBe(table());
  });

  it("lists refusals in the parser's words and honoured properties as such", () => {
    const text = table();
    expect(text).toMatch(/\| `concurrency` \| honoured \|/);
    expect(text).toMatch(/\| `listeners` \| honoured \|/);
    expect(text).toMatch(/\| `runIf` \| honoured \|/);
    expect(text).toMatch(/\| `docker` \| refused \| not supported by Ferry yet: docker/);
    expect(text).toMatch(/\| `containerImage` \| ignored \| as by Kestra's Process runner/);
    expect(text).toMatch(/\| `behavior` \| honoured \|/);
    expect(text).toMatch(/\| `revision` \| ignored \| the server assigns revisions/);
    expect(text).toMatch(/## Inputs of type STRING[\s\S]*\| `validator` \| honoured \|/);
  });
});

describe("every refusal the table lists", () => {
  it("is what the parser answers, at the property's path and line", async () => {
    const { refusalCases } = await import("./refusal-flows.test-support.js");
    const { parseFlow } = await import("./parse-flow.js");
    const { propertyRows } = await import("./support-table.js");
    const cases = refusalCases(propertyRows(registry, registry.taskDefinitions().map((d) => d.type)), registry);
    expect(cases.length).toBeGreaterThan(30);
    for (const { name, source, expected } of cases) {
      let errors: unknown;
      try {
        parseFlow(source, registry);
      } catch (error) {
        errors = (error as { errors?: unknown }).errors;
      }
      expect(errors, `${name}\n${source}`).toEqual([expected]);
    }
  });
});
