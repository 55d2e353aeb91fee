import { isBackendDefinition, UserError, type Plugin } from "@ferry/sdk";
import { assertSdkMajor, importSpec } from "./import-module.js";

function isPlugin(value: unknown): value is Plugin {
  return !!value && typeof value === "object" && "name" in value && "tasks" in value && "sdkMajor" in value;
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
      module = await importSpec(spec, baseDir);
    } catch (error) {
      throw new UserError(`plugin '${spec}' failed to load: ${(error as Error).message}`, { cause: error });
    }
    const plugin = [module.default, module.plugin].find(isPlugin);
    if (!plugin) {
      const backend = [module.default, module.backend].find(isBackendDefinition);
      if (backend) throw new UserError(`plugin '${spec}' exports a ${backend.kind} backend, not a plugin: name it in the configuration as ${backend.kind}.type`);
      throw new UserError(`plugin '${spec}' exports no plugin (export default definePlugin({...}))`);
    }
    assertSdkMajor(`plugin '${spec}'`, plugin.sdkMajor);
    plugins.push(plugin);
  }
  return plugins;
}
