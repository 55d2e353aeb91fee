import corePlugin from "@ferry/plugin-core";
import { defineConnectionType, definePlugin, defineTask, z } from "@ferry/sdk";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPlugins } from "./load-plugins.js";
import { PluginRegistry } from "./registry.js";

const pluginSource = (name: string, sdkMajor: number) =>
  `export default { name: "${name}", version: "1.0.0", sdkMajor: ${sdkMajor}, triggers: [], tasks: [{ kind: "runnable", type: "acme.Echo", title: "echo", properties: { safeParse: (v) => ({ success: true, data: v }) }, run: async () => ({}) }] };\n`;

describe("plugin loading", () => {
  it("loads npm packages by name, and local folders and files by path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-plugins-"));
    await mkdir(join(dir, "acme"));
    await writeFile(join(dir, "acme/package.json"), JSON.stringify({ name: "acme", type: "module", main: "main.js" }));
    await writeFile(join(dir, "acme/main.js"), pluginSource("acme-folder", 0));
    await writeFile(join(dir, "single.mjs"), pluginSource("acme-file", 0).replace("acme.Echo", "acme.Other"));
    const plugins = await loadPlugins(["@ferry/plugin-core", "./acme", "./single.mjs"], dir);
    expect(plugins.map((p) => p.name)).toEqual(["@ferry/plugin-core", "acme-folder", "acme-file"]);
    const registry = new PluginRegistry(plugins);
    expect(registry.task("acme.Echo")).toBeDefined();
    expect(registry.task("io.kestra.plugin.core.log.Log")?.type).toBe("core.Log");
  });

  it("refuses a plugin built for another SDK major, one that fails to load, or exports none", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-plugins-"));
    await writeFile(join(dir, "future.mjs"), pluginSource("future", 99));
    await writeFile(join(dir, "broken.mjs"), "throw new Error('cannot start');\n");
    await writeFile(join(dir, "empty.mjs"), "export const nothing = 1;\n");
    await expect(loadPlugins(["./future.mjs"], dir)).rejects.toThrow("plugin './future.mjs' was built for @ferry/sdk major 99, this server has major 0");
    await expect(loadPlugins(["./broken.mjs"], dir)).rejects.toThrow("plugin './broken.mjs' failed to load: cannot start");
    await expect(loadPlugins(["./missing"], dir)).rejects.toThrow(/plugin '.\/missing' failed to load/);
    await expect(loadPlugins(["@acme/not-installed"], dir)).rejects.toThrow(/plugin '@acme\/not-installed' failed to load/);
    await expect(loadPlugins(["./empty.mjs"], dir)).rejects.toThrow(/exports no plugin/);
    await writeFile(join(dir, "storage.mjs"), "export default { kind: 'storage', sdkMajor: 0, configSchema: {}, create() {} };\n");
    await expect(loadPlugins(["./storage.mjs"], dir)).rejects.toThrow("plugin './storage.mjs' exports a storage backend, not a plugin: name it in the configuration as storage.type");
  });

  it("refuses two plugins claiming one type, naming both", () => {
    const clash = definePlugin({
      name: "clash",
      version: "1",
      tasks: [defineTask({ kind: "runnable", type: "other.Log", aliases: ["io.kestra.plugin.core.log.Log"], title: "x", properties: z.object({}), run: async () => undefined })],
    });
    expect(() => new PluginRegistry([corePlugin, clash])).toThrow("type 'io.kestra.plugin.core.log.Log' is claimed by both plugin '@ferry/plugin-core' and plugin 'clash'");
  });

  it("registers connection types by name, refuses two plugins claiming one, and names the known ones for an unknown", () => {
    const http = defineConnectionType({ type: "acme.http", title: "HTTP", schema: z.object({ url: z.string() }), secretFields: [] });
    const registry = new PluginRegistry([corePlugin, definePlugin({ name: "a", version: "1", connectionTypes: [http] })]);
    expect(registry.connectionType("acme.http")).toBe(http);
    expect(registry.connectionType("nope")).toBeUndefined();
    expect(registry.unknownConnectionTypeMessage("nope")).toBe("unknown connection type 'nope'; known types: acme.http, http");
    expect(() => new PluginRegistry([definePlugin({ name: "a", version: "1", connectionTypes: [http] }), definePlugin({ name: "b", version: "1", connectionTypes: [http] })])).toThrow(
      "connection type 'acme.http' is claimed by both plugin 'a' and plugin 'b'",
    );
  });
});
