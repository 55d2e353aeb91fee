import corePlugin from "@ferry/plugin-core";
import scriptPlugin from "@ferry/plugin-script";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { supportTable } from "./support-table.js";

const DOC = fileURLToPath(new URL("../../../../docs/kestra-properties.md", import.meta.url));
const registry = new PluginRegistry([corePlugin, scriptPlugin]);
const table = () => supportTable(registry, ["script.Shell", "script.Node", "core.Log", "core.Subflow"]);

describe("docs/kestra-properties.md", () => {
  it("is the table the schemas give (FERRY_WRITE_DOCS=1 rewrites it)", async () => {
    if (process.env.FERRY_WRITE_DOCS) await writeFile(DOC, table());
    expect(await readFile(DOC, "utf8")).toBe(table());
  });

  it("lists refusals in the parser's words and honoured properties as such", () => {
    const text = table();
    expect(text).toMatch(/\| `concurrency` \| refused \| not supported by Ferry yet: concurrency/);
    expect(text).toMatch(/\| `runIf` \| honoured \|/);
    expect(text).toMatch(/\| `containerImage` \| refused \| not supported by Ferry yet: containerImage/);
    expect(text).toMatch(/\| `behavior` \| honoured \|/);
    expect(text).toMatch(/\| `revision` \| ignored \| the server assigns revisions/);
    expect(text).toMatch(/## Inputs of type STRING[\s\S]*\| `validator` \| honoured \|/);
  });
});
