import { SDK_MAJOR, UserError, type Plugin } from "@ferry/sdk";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

function isPlugin(value: unknown): value is Plugin {
  return !!value && typeof value === "object" && "name" in value && "tasks" in value && "sdkMajor" in value;
}

function entryOf(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const pkgFile = join(path, "package.json");
  if (existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { main?: string; exports?: unknown };
    const exp = pkg.exports as Record<string, unknown> | string | undefined;
    const dot = typeof exp === "string" ? exp : (exp?.["."] as Record<string, string> | string | undefined);
    const main = typeof dot === "string" ? dot : dot?.default ?? dot?.import ?? pkg.main;
    if (main) return join(path, main);
  }
  for (const name of ["index.js", "index.mjs", "dist/index.js"]) if (existsSync(join(path, name))) return join(path, name);
  throw new Error(`no package.json main or index.js in ${path}`);
}

/**
 * Loads the plugins named in configuration: npm package names, or local folders and
 * files (relative to `baseDir`). A plugin that fails to load, exports no plugin, or was
 * built for another SDK major version stops the start with its name and the reason.
 */
export async function loadPlugins(specs: string[], baseDir: string): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  for (const spec of specs) {
    let module: Record<string, unknown>;
    try {
      const local = spec.startsWith(".") || spec.startsWith("/");
      module = (await import(local ? pathToFileURL(entryOf(resolve(baseDir, spec))).href : spec)) as Record<string, unknown>;
    } catch (error) {
      throw new UserError(`plugin '${spec}' failed to load: ${(error as Error).message}`, { cause: error });
    }
    const plugin = [module.default, module.plugin].find(isPlugin);
    if (!plugin) throw new UserError(`plugin '${spec}' exports no plugin (export default definePlugin({...}))`);
    if (plugin.sdkMajor !== SDK_MAJOR) {
      throw new UserError(`plugin '${spec}' was built for @ferry/sdk major ${plugin.sdkMajor}, this server has major ${SDK_MAJOR}`);
    }
    plugins.push(plugin);
  }
  return plugins;
}
