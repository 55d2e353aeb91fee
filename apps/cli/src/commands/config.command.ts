import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import { resolve } from "node:path";

/** @ferry/core, loaded by the commands that need it (every other command starts faster without it) */
const core = () => import("@ferry/core");

async function load(options: { config?: string }) {
  const { loadConfig } = await core();
  const { config, file } = loadConfig({ file: options.config, env: process.env });
  return { config, file, baseDir: file ? resolve(file, "..") : process.cwd() };
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("check or print the configuration every ferry process reads");

  config
    .command("check")
    .description("validate ferry.yaml (and FERRY_ overrides), load its plugins, resolve each backend type and validate its options; one line naming the key on error")
    .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
    .option("--connect", "also try to reach each backend's service (database, bucket, Vault, Redis) with its check, changing nothing")
    .action(async (options: { config?: string; connect?: boolean }) => {
      const { checkBackends, loadPlugins, PluginRegistry } = await core();
      const { BUILT_IN_BACKENDS } = await import("@ferry/engine");
      const { config: loaded, file, baseDir } = await load(options);
      // what a server or worker refuses at its start, refused here too (check said OK to both before)
      const { resolveProcessUser } = await import("@ferry/engine");
      const { assertSafeBinding } = await import("@ferry/server");
      assertSafeBinding(loaded.server.host, loaded.server.auth);
      if (loaded.worker.processUser) resolveProcessUser(loaded.worker.processUser);
      const registry = new PluginRegistry(await loadPlugins(loaded.plugins, baseDir));
      const backends = await checkBackends(loaded, { baseDir, builtIns: BUILT_IN_BACKENDS }, { connect: options.connect }).catch((error: unknown) => {
        // a service out of reach (--connect) is one line too, not a stack trace
        if (error instanceof UserError) throw error;
        throw new UserError(`config check --connect: ${(error as Error).message}`, { cause: error });
      });
      const plugins = registry.plugins.map((p) => `${p.name}@${p.version}`).join(", ");
      console.log(`configuration OK (${file ?? "defaults: no ferry.yaml here"}): plugins ${plugins}; ${backends.map((b) => `${b.kind} ${b.type}`).join(", ")}`);
      if (options.connect) {
        const connected = backends.filter((b) => b.connection === "connected").map((b) => b.kind);
        const unchecked = backends.filter((b) => b.connection === "no check").map((b) => b.kind);
        console.log(`connected: ${connected.join(", ") || "none"}${unchecked.length ? ` (no connection check: ${unchecked.join(", ")})` : ""}`);
      }
    });

  config
    .command("print")
    .description("print the effective configuration (defaults, file, FERRY_ overrides), credentials redacted")
    .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
    .action(async (options: { config?: string }) => {
      const { redactConfig } = await core();
      process.stdout.write((await import("yaml")).stringify(redactConfig((await load(options)).config)));
    });
}
