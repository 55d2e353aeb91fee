import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { ApiClient } from "../client/api-client.js";
import { clientFor, CONFIG_OPTION, SERVER_OPTION } from "../client/server-options.js";
import { UsageError } from "../exit-codes.js";
import { Progress } from "../output/progress.js";

async function filesUnder(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dir}: no such folder`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/")).sort();
}

export function registerNamespace(program: Command): void {
  const namespace = program.command("namespace").description("namespace files");
  const files = namespace.command("files").description("a namespace's files (scripts and data its flows share)");

  files
    .command("deploy")
    .description("upload a folder as a namespace's files; unchanged files are left alone, --prune deletes files the folder no longer has")
    .argument("<dir>", "folder whose tree becomes the namespace's files")
    .requiredOption("-n, --namespace <namespace>", "the namespace")
    .option("--prune", "delete the namespace's files that are not in the folder")
    .option("--dry-run", "print the plan; change nothing")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (dir: string, options: { namespace: string; prune?: boolean; dryRun?: boolean; server?: string }) => {
      const client = clientFor(options);
      const base = `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/files`;
      const local = await filesUnder(dir);
      const remote = await listRemote(client, base, "");
      const counts = { uploaded: 0, unchanged: 0, deleted: 0 };
      const progress = new Progress();
      try {
        progress.phase(options.dryRun ? "comparing" : "uploading", local.length);
        for (const path of local) {
          progress.tick();
          const content = await readFile(join(dir, path));
          const current = await client.bytes(`${base}?path=${encodeURIComponent(path)}`);
          if (current !== undefined && Buffer.from(current).equals(content)) {
            counts.unchanged++;
            continue;
          }
          counts.uploaded++;
          progress.line(`${options.dryRun ? "upload" : "uploaded"}  /${path}`);
          if (!options.dryRun) await client.expect("PUT", `${base}?path=${encodeURIComponent(path)}`, new Uint8Array(content), "application/octet-stream");
        }
        if (options.prune) {
          const extra = remote.filter((p) => !local.includes(p));
          progress.phase("pruning", extra.length);
          for (const path of extra) {
            progress.tick();
            counts.deleted++;
            progress.line(`${options.dryRun ? "delete" : "deleted"}   /${path}`);
            if (!options.dryRun) await client.expect("DELETE", `${base}?path=${encodeURIComponent(path)}`);
          }
        }
        const verb = options.dryRun ? "would be " : "";
        progress.line(`${counts.uploaded} ${verb}uploaded, ${counts.unchanged} unchanged, ${counts.deleted} ${verb}deleted${options.dryRun ? " (dry run: nothing changed)" : ""}`);
      } finally {
        progress.stop();
      }
    });
}

/** every file path of a namespace, walking its directory listing */
async function listRemote(client: ApiClient, base: string, dir: string): Promise<string[]> {
  const listing = await client.request<Array<{ type: string; fileName: string }>>("GET", `${base}/directory?path=${encodeURIComponent(dir)}`);
  if (listing.status === 404) return [];
  if (listing.status >= 400) throw new UserError(`listing namespace files: HTTP ${listing.status}`);
  const out: string[] = [];
  for (const entry of listing.body) {
    const path = dir ? `${dir}/${entry.fileName}` : entry.fileName;
    if (entry.type === "Directory") out.push(...(await listRemote(client, base, path)));
    else out.push(path);
  }
  return out;
}
