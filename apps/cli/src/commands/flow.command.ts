import { loadConfig, loadPlugins, parseFlow, PluginRegistry } from "@ferry/core";
import { UserError } from "@ferry/sdk";
import type { Command } from "commander";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ApiClient, serverUrl } from "../client.js";

function flowFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new UserError(`${p}: no such file or folder`);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (/\.ya?ml$/i.test(p) || paths.includes(p)) out.push(p);
  };
  paths.forEach(walk);
  return out;
}

interface ErrorLine {
  path?: string;
  message: string;
  line?: number;
}

function printErrors(file: string, errors: ErrorLine[]): void {
  for (const e of errors) console.error(`${relative(process.cwd(), file) || file}${e.line ? `:${e.line}` : ""}: ${e.path ? `${e.path}: ` : ""}${e.message}`);
}

export function registerFlow(program: Command): void {
  const flow = program.command("flow").description("validate and deploy flows");

  flow
    .command("validate")
    .description("validate flow files (or folders of them) against the configured plugins")
    .argument("<paths...>", "files or folders")
    .option("-c, --config <file>", "configuration file")
    .action(async (paths: string[], options: { config?: string }) => {
      const { config, file } = loadConfig({ file: options.config });
      const registry = new PluginRegistry(await loadPlugins(config.plugins, file ? resolve(file, "..") : process.cwd()));
      let bad = 0;
      const files = flowFiles(paths);
      for (const f of files) {
        try {
          const parsed = parseFlow(readFileSync(f, "utf8"), registry);
          console.log(`ok   ${relative(process.cwd(), f) || f} (${parsed.namespace}.${parsed.id})`);
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          bad++;
          printErrors(f, error.errors ?? [{ message: error.message }]);
        }
      }
      console.log(`${files.length - bad} valid, ${bad} invalid`);
      if (bad) process.exitCode = 1;
    });

  flow
    .command("deploy")
    .description("deploy a folder of flows to a server: all are validated first, nothing is applied if one is invalid")
    .argument("<dir>", "folder of flow files")
    .option("-s, --server <url>", "server URL (default: $FERRY_SERVER_URL, then http://127.0.0.1:8080)")
    .action(async (dir: string, options: { server?: string }) => {
      const client = new ApiClient(serverUrl(options.server));
      const files = flowFiles([dir]);
      const sources = files.map((f) => ({ file: f, source: readFileSync(f, "utf8") }));
      let invalid = 0;
      for (const { file, source } of sources) {
        const [result] = await client.expect<Array<{ constraints: string | null; errors: ErrorLine[]; flow?: string; namespace?: string }>>(
          "POST", "/api/v1/flows/validate", source, "application/x-yaml",
        );
        if (result.constraints) {
          invalid++;
          printErrors(file, result.errors.length ? result.errors : [{ message: result.constraints }]);
        }
      }
      if (invalid) throw new UserError(`${invalid} invalid flow file(s); nothing deployed`);
      const summary = { created: 0, updated: 0, unchanged: 0 };
      for (const { file, source } of sources) {
        const created = await client.request<{ revision: number; namespace: string; id: string; message?: string }>("POST", "/api/v1/flows", source, "application/x-yaml");
        if (created.status < 300) {
          summary.created++;
          console.log(`created   ${created.body.namespace}.${created.body.id}`);
          continue;
        }
        if (created.status !== 409) throw new UserError(`${file}: HTTP ${created.status}: ${created.body?.message}`);
        const [meta] = await client.expect<Array<{ flow: string; namespace: string }>>("POST", "/api/v1/flows/validate", source, "application/x-yaml");
        const before = await client.expect<{ revision: number }>("GET", `/api/v1/flows/${meta.namespace}/${meta.flow}`);
        const after = await client.expect<{ revision: number }>("PUT", `/api/v1/flows/${meta.namespace}/${meta.flow}`, source, "application/x-yaml");
        const changed = after.revision !== before.revision;
        if (changed) summary.updated++;
        else summary.unchanged++;
        console.log(`${changed ? "updated  " : "unchanged"} ${meta.namespace}.${meta.flow} (revision ${after.revision})`);
      }
      console.log(`${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged`);
    });
}
