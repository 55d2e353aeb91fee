import { parseFlow, type PluginRegistry } from "@ferry/core";
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
export async function deployFlowsFromDir(dir: string, repository: Repository, registry: PluginRegistry): Promise<DeploySummary> {
  const parsed = [];
  const problems: string[] = [];
  for (const file of await yamlFiles(dir)) {
    const source = await readFile(file, "utf8");
    try {
      const flow = parseFlow(source, registry);
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
