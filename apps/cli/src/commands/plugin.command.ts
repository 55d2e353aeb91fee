import { UserError } from "@ferry/sdk";
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pluginTemplate } from "../plugin-template.js";

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

export function registerPlugin(program: Command): void {
  const plugin = program.command("plugin").description("write plugins: scaffold one");

  plugin
    .command("new")
    .description("scaffold a plugin package: one example task with its schema and examples, a test using @ferry/testkit, a README")
    .argument("<name>", "npm package name (ferry-plugin-slack, @acme/ferry-plugin-slack)")
    .option("-d, --dir <folder>", "where to create it (default: the current folder)", ".")
    .action(async (name: string, options: { dir: string }) => {
      if (!PACKAGE_NAME.test(name)) throw new UserError(`'${name}' is not an npm package name (lower-case letters, digits, '-', '.', '_', an optional @scope/)`);
      const folder = resolve(options.dir, name.split("/").pop()!);
      if (existsSync(folder)) throw new UserError(`${folder} already exists; choose another name or --dir`);
      const files = pluginTemplate(name);
      for (const [path, content] of Object.entries(files)) {
        await mkdir(join(folder, path, ".."), { recursive: true });
        await writeFile(join(folder, path), content);
      }
      console.log(`created ${folder}: ${Object.keys(files).join(", ")}`);
      console.log(`next: cd ${folder} && npm install && npm run build && npm test`);
    });
}
