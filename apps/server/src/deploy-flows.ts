import { parseFlow, parseFlowForDeploy, type Flow, type FlowLookup, type PluginRegistry } from "@ferry/core";
import { findConnection } from "@ferry/engine";
import { UserError, type Repository } from "@ferry/sdk";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

export interface DeploySummary {
  created: string[];
  updated: string[];
  unchanged: string[];
}

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFiles(full)));
    else if (/\.ya?ml$/i.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Deploys every flow file in a folder. Everything is validated first; one invalid file
 * stops the deploy with `file:line` and nothing is applied. Unchanged flows keep their revision.
 */
export async function deployFlowsFromDir(dir: string, repository: Repository, registry: PluginRegistry, deployed: FlowLookup): Promise<DeploySummary> {
  const parsed = [];
  const problems: string[] = [];
  const files = await Promise.all((await yamlFiles(dir)).map(async (file) => ({ file, source: await readFile(file, "utf8") })));
  // a Subflow may name a flow of the same folder: it is checked against the folder's version
  const batch = new Map<string, Flow>();
  for (const { source } of files) {
    try {
      const flow = parseFlow(source, registry);
      batch.set(`${flow.namespace}/${flow.id}`, flow);
    } catch {
      // reported below, with its file and line
    }
  }
  const lookup: FlowLookup = async (namespace, id, revision) => (revision === undefined ? batch.get(`${namespace}/${id}`) : undefined) ?? deployed(namespace, id, revision);
  for (const { file, source } of files) {
    try {
      const flow = await parseFlowForDeploy(source, registry, lookup, (namespace, id) => findConnection(repository, namespace, id));
      parsed.push({ flow, source });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      const where = relative(process.cwd(), file);
      for (const e of error.errors ?? [{ message: error.message }]) problems.push(`${where}${e.line ? `:${e.line}` : ""}: ${"path" in e && e.path ? `${e.path}: ` : ""}${e.message}`);
    }
  }
  if (problems.length) throw new UserError(`invalid flow files, nothing deployed:\n${problems.join("\n")}`);
  const summary: DeploySummary = { created: [], updated: [], unchanged: [] };
  for (const { flow, source } of parsed) {
    const result = await repository.saveFlow({ namespace: flow.namespace, id: flow.id, source });
    const name = `${flow.namespace}.${flow.id}`;
    (result.created ? summary.created : result.changed ? summary.updated : summary.unchanged).push(name);
  }
  return summary;
}
