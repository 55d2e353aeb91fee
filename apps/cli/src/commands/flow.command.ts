import type { Flow } from "@ferry/core";
import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { ApiClient } from "../client/api-client.js";
import { clientFor, withServer } from "../client/server-options.js";
import { UsageError } from "../exit-codes.js";
import { Progress } from "../output/progress.js";
import { registerFlowManage } from "./flow-manage.command.js";

function flowFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new UsageError(`${p}: no such file or folder`);
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

function printErrors(file: string, errors: ErrorLine[], write = (line: string) => console.error(line)): void {
  for (const e of errors) write(`${relative(process.cwd(), file) || file}${e.line ? `:${e.line}` : ""}: ${e.path ? `${e.path}: ` : ""}${e.message}`);
}

export function registerFlow(program: Command): void {
  const flow = program.command("flow").description("validate, deploy, list, show and delete flows");

  flow
    .command("validate")
    .description("validate flow files (or folders of them) against the configured plugins; a Subflow naming a flow among them is checked against its inputs")
    .argument("<paths...>", "files or folders")
    .option("-c, --config <file>", "configuration file")
    .action(async (paths: string[], options: { config?: string }) => {
      const { loadConfig, loadPlugins, parseFlow, parseFlowForDeploy, PluginRegistry } = await import("@ferry/core");
      const { config, file } = loadConfig({ file: options.config });
      const registry = new PluginRegistry(await loadPlugins(config.plugins, file ? resolve(file, "..") : process.cwd()));
      let bad = 0;
      const files = flowFiles(paths).map((f) => ({ f, source: readFileSync(f, "utf8") }));
      // a Subflow naming a flow among these files is checked against it (the server checks the ones it holds at deploy)
      const given = new Map<string, Flow>();
      for (const { source } of files) {
        try {
          const flow = parseFlow(source, registry);
          given.set(`${flow.namespace}/${flow.id}`, flow);
        } catch {
          // reported below, with its file and line
        }
      }
      for (const { f, source } of files) {
        try {
          const parsed = await parseFlowForDeploy(source, registry, async (namespace, id, revision) => (revision === undefined ? given.get(`${namespace}/${id}`) : undefined));
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
    .command("schema")
    .description("print the JSON Schema of flow files for the configured plugins (for editors: # yaml-language-server: $schema=flow.schema.json)")
    .option("-c, --config <file>", "configuration file")
    .action(async (options: { config?: string }) => {
      const { flowJsonSchema, loadConfig, loadPlugins, PluginRegistry } = await import("@ferry/core");
      const { config, file } = loadConfig({ file: options.config });
      const registry = new PluginRegistry(await loadPlugins(config.plugins, file ? resolve(file, "..") : process.cwd()));
      console.log(JSON.stringify(flowJsonSchema(registry), null, 2));
    });

  withServer(
    flow
      .command("deploy")
      .description("deploy a folder of flows to a server: all are validated first, nothing is applied if one is invalid; unchanged flows keep their revision")
      .argument("<dir>", "folder of flow files")
      .option("--prune", "also delete the flows of the namespaces these files touch that no file declares")
      .option("--dry-run", "print what would be created, updated, left unchanged and deleted; change nothing"),
  ).action(async (dir: string, options: { server?: string; config?: string; prune?: boolean; dryRun?: boolean }) => {
    const client = clientFor(options);
    const progress = new Progress();
    try {
      const plan = await planDeploy(client, flowFiles([dir]), Boolean(options.prune), progress);
      const counts = { create: 0, update: 0, unchanged: 0, delete: 0 };
      if (!options.dryRun) progress.phase("deploying", plan.length);
      for (const step of plan) {
        counts[step.action]++;
        const label = { create: "create", update: "update", unchanged: "unchanged", delete: "delete" }[step.action].padEnd(9);
        if (options.dryRun) {
          progress.line(`${label} ${step.namespace}.${step.id}`);
          continue;
        }
        const path = `/api/v1/flows/${encodeURIComponent(step.namespace)}/${encodeURIComponent(step.id)}`;
        if (step.action === "create") await client.expect("POST", "/api/v1/flows", step.source, "application/x-yaml");
        if (step.action === "update") await client.expect("PUT", path, step.source, "application/x-yaml");
        if (step.action === "delete") await client.expect("DELETE", path);
        const past = { create: "created", update: "updated", unchanged: "unchanged", delete: "deleted" }[step.action].padEnd(9);
        progress.line(`${past} ${step.namespace}.${step.id}`);
        progress.tick();
      }
      const verb = options.dryRun ? "would be " : "";
      progress.line(`${counts.create} ${verb}created, ${counts.update} ${verb}updated, ${counts.unchanged} unchanged, ${counts.delete} ${verb}deleted${options.dryRun ? " (dry run: nothing changed)" : ""}`);
    } finally {
      progress.stop();
    }
  });

  registerFlowManage(flow);
}

interface DeployStep {
  action: "create" | "update" | "unchanged" | "delete";
  namespace: string;
  id: string;
  source?: string;
}

/** validates every file on the server, then compares each with what it holds; refuses the whole deploy on one invalid file */
async function planDeploy(client: ApiClient, files: string[], prune: boolean, progress: Progress): Promise<DeployStep[]> {
  const parsed: Array<{ file: string; source: string; namespace: string; id: string }> = [];
  let invalid = 0;
  progress.phase("validating", files.length);
  for (const file of files) {
    progress.tick();
    const source = readFileSync(file, "utf8");
    const [result] = await client.expect<Array<{ constraints: string | null; errors: ErrorLine[]; flow?: string; namespace?: string }>>(
      "POST", "/api/v1/flows/validate", source, "application/x-yaml",
    );
    if (result.constraints) {
      invalid++;
      printErrors(file, result.errors.length ? result.errors : [{ message: result.constraints }], (line) => progress.errorLine(line));
    } else parsed.push({ file, source, namespace: result.namespace!, id: result.flow! });
  }
  if (invalid) throw new UserError(`${invalid} invalid flow file(s); nothing deployed`);
  const seen = new Map<string, string>();
  for (const p of parsed) {
    const key = `${p.namespace}.${p.id}`;
    if (seen.has(key)) throw new UserError(`${p.file} and ${seen.get(key)} both declare flow ${key}; nothing deployed`);
    seen.set(key, p.file);
  }
  const steps: DeployStep[] = [];
  progress.phase("comparing", parsed.length);
  for (const p of parsed) {
    progress.tick();
    const current = await client.request<{ source: string }>("GET", `/api/v1/flows/${encodeURIComponent(p.namespace)}/${encodeURIComponent(p.id)}`);
    const action = current.status === 404 ? "create" : current.body.source === p.source ? "unchanged" : "update";
    if (current.status !== 404 && current.status >= 400) throw new UserError(`reading flow ${p.namespace}.${p.id}: HTTP ${current.status}`);
    steps.push({ action, namespace: p.namespace, id: p.id, source: p.source });
  }
  if (prune) {
    for (const namespace of new Set(parsed.map((p) => p.namespace))) {
      const page = await client.expect<{ results: Array<{ namespace: string; id: string }> }>("GET", `/api/v1/flows/search?namespace=${encodeURIComponent(namespace)}&size=1000`);
      for (const f of page.results) if (f.namespace === namespace && !seen.has(`${f.namespace}.${f.id}`)) steps.push({ action: "delete", namespace: f.namespace, id: f.id });
    }
  }
  return steps;
}
