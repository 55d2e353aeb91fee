import { UserError } from "@ferry/sdk/basics";
import { Option, type Command } from "commander";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PLUGIN_KINDS, pluginTemplate, type PluginKind } from "../plugin-template.js";
import { vendorSdk } from "../vendor-sdk.js";
import { UsageError } from "../exit-codes.js";

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

export function registerPlugin(program: Command): void {
  const plugin = program.command("plugin").description("write plugins: scaffold one, document them");

  plugin
    .command("new")
    .description("scaffold a plugin package of one kind, with its test (testkit's runTask, or the kind's contract suite) and a README; it installs outside this repository")
    .argument("<name>", "npm package name (ferry-plugin-slack, @acme/ferry-plugin-slack)")
    .option("-d, --dir <folder>", "where to create it (default: the current folder)", ".")
    .addOption(new Option("-k, --kind <kind>", "what the plugin provides").choices([...PLUGIN_KINDS]).default("task"))
    .action(async (name: string, options: { dir: string; kind: PluginKind }) => {
      if (!PACKAGE_NAME.test(name)) throw new UsageError(`'${name}' is not an npm package name (lower-case letters, digits, '-', '.', '_', an optional @scope/)`);
      const folder = resolve(options.dir, name.split("/").pop()!);
      if (existsSync(folder)) throw new UserError(`${folder} already exists; choose another name or --dir`);
      await mkdir(folder, { recursive: true });
      let files: Record<string, string>;
      try {
        files = pluginTemplate(name, options.kind, await vendorSdk(folder));
      } catch (error) {
        await rm(folder, { recursive: true, force: true });
        throw error;
      }
      for (const [path, content] of Object.entries(files)) {
        await mkdir(join(folder, path, ".."), { recursive: true });
        await writeFile(join(folder, path), content);
      }
      console.log(`created ${folder} (${options.kind}): ${[...Object.keys(files), "vendor/"].join(", ")}`);
      console.log(`next: cd ${folder} && npm install && npm run build && npm test`);
    });

  plugin
    .command("docs")
    .description("write a Markdown page per task and trigger type of the configured plugins (or of --plugin ones), from their own definitions")
    .argument("<dir>", "folder to write the pages in")
    .option("-p, --plugin <name-or-path>", "document this plugin (npm name, folder or file; repeatable) instead of the configured ones", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("-c, --config <file>", "configuration file")
    .action(async (dir: string, options: { plugin: string[]; config?: string }) => {
      const { loadConfig, loadPlugins, pluginDocPage } = await import("@ferry/core");
      const { config, file } = loadConfig({ file: options.config });
      const plugins = await loadPlugins(options.plugin.length ? options.plugin : config.plugins, file ? resolve(file, "..") : process.cwd());
      await mkdir(dir, { recursive: true });
      const written: string[] = [];
      for (const p of plugins) {
        for (const [what, defs] of [["task", p.tasks], ["trigger", p.triggers]] as const) {
          for (const def of defs) {
            const name = `${def.type}.md`;
            await writeFile(join(dir, name), pluginDocPage(def, what));
            written.push(name);
          }
        }
      }
      await writeFile(join(dir, "README.md"), `# Plugins\n\n${plugins.map((p) => `- ${p.name} ${p.version}: ${[...p.tasks, ...p.triggers].map((d) => `[${d.type}](${d.type}.md)`).join(", ")}`).join("\n")}\n`);
      console.log(`wrote ${written.length} pages and README.md to ${resolve(dir)}`);
    });
}
