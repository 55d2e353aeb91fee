import { loadConfig, loadPlugins, PluginRegistry, redactConfig } from "@ferry/core";
import type { Command } from "commander";
import { resolve } from "node:path";
import { stringify } from "yaml";

function load(options: { config?: string }) {
  const { config, file } = loadConfig({ file: options.config, env: process.env });
  return { config, file, baseDir: file ? resolve(file, "..") : process.cwd() };
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("check or print the configuration every ferry process reads");

  config
    .command("check")
    .description("validate ferry.yaml (and FERRY_ overrides) and load its plugins; one line naming the key on error")
    .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
    .action(async (options: { config?: string }) => {
      const { config: loaded, file, baseDir } = load(options);
      const registry = new PluginRegistry(await loadPlugins(loaded.plugins, baseDir));
      console.log(`configuration OK (${file ?? "defaults: no ferry.yaml here"}): plugins ${registry.plugins.map((p) => `${p.name}@${p.version}`).join(", ")}`);
    });

  config
    .command("print")
    .description("print the effective configuration (defaults, file, FERRY_ overrides), credentials redacted")
    .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
    .action((options: { config?: string }) => {
      process.stdout.write(stringify(redactConfig(load(options).config)));
    });
}
