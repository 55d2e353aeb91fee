import { defineTask, isStorageUri, z } from "@ferry/sdk";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { javaGlobToRegExp, rootedMatcher } from "../storage/java-glob.js";

/** a glob or a list of them (Kestra takes both) */
const files = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** `/a/b/` + `c.txt` → `a/b/c.txt` (Kestra's destination paths start at the namespace root) */
const under = (destination: string, path: string) => [destination, path].join("/").split("/").filter(Boolean).join("/");

async function walk(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(root, path)));
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join("/"));
  }
  return out;
}

export const uploadFilesTask = defineTask({
  kind: "runnable",
  type: "core.namespace.UploadFiles",
  aliases: ["io.kestra.plugin.core.namespace.UploadFiles"],
  title: "Upload namespace files",
  description:
    "Stores files as namespace files of `namespace` (the flow's own, a parent or a child). `files` is either a map of destination path to ferry:// URI (to rename " +
    "or relocate), or a list of ferry:// URIs and globs: each URI is stored under `destination` (`/` by default) with its file name; each glob (Java glob syntax) " +
    "stores the matching files of the task's working directory under `destination`. `conflict` says what an existing file gets: OVERWRITE (default), ERROR or SKIP. " +
    "A URI whose file is missing is skipped, as Kestra does. Outputs `files`: the stored paths and their URIs.",
  properties: z.strictObject({
    namespace: z.string().min(1),
    files: z.union([z.record(z.string().min(1), z.string()), z.array(z.string().min(1))]),
    destination: z.string().default("/"),
    conflict: z.enum(["OVERWRITE", "ERROR", "SKIP"]).default("OVERWRITE"),
  }),
  outputs: z.object({ files: z.record(z.string(), z.string()) }),
  async run(ctx, props) {
    const stored: Record<string, string> = {};
    const put = async (path: string, bytes: Uint8Array) => {
      const uri = await ctx.namespaceFiles.put(path, bytes, { namespace: props.namespace, conflict: props.conflict });
      if (uri) stored[path] = uri;
    };
    const read = async (uri: string) => ctx.getFile(uri).catch(() => undefined);
    if (!Array.isArray(props.files)) {
      for (const [target, uri] of Object.entries(props.files)) {
        const bytes = await read(uri);
        if (bytes) await put(under("", target), bytes);
      }
      return { files: stored };
    }
    const globs: string[] = [];
    for (const entry of props.files) {
      if (!isStorageUri(entry)) {
        globs.push(entry);
        continue;
      }
      const bytes = await read(entry);
      if (bytes) await put(under(props.destination, entry.split("/").pop()!), bytes);
    }
    if (globs.length) {
      const dir = await ctx.workingDirectory();
      const patterns = globs.map((g) => javaGlobToRegExp(g));
      for (const path of await walk(dir)) if (patterns.some((p) => p.test(path))) await put(under(props.destination, path), await readFile(join(dir, path)));
    }
    return { files: stored };
  },
});

export const downloadFilesTask = defineTask({
  kind: "runnable",
  type: "core.namespace.DownloadFiles",
  aliases: ["io.kestra.plugin.core.namespace.DownloadFiles"],
  title: "Download namespace files",
  description:
    "Copies the namespace files of `namespace` whose path (from the root, with a leading `/`) matches one of `files` (Java glob syntax: `**` crosses folders) into this " +
    "execution's storage. Outputs `files`: the matched paths (`/scripts/main.py`) and the copies' URIs.",
  properties: z.strictObject({ namespace: z.string().min(1), files }),
  outputs: z.object({ files: z.record(z.string(), z.string()) }),
  async run(ctx, props) {
    const matches = rootedMatcher(list(props.files));
    const downloaded: Record<string, string> = {};
    for (const path of await ctx.namespaceFiles.list({ namespace: props.namespace })) {
      if (!matches(path)) continue;
      const bytes = await ctx.namespaceFiles.get(path, { namespace: props.namespace });
      if (bytes) downloaded[`/${path}`] = await ctx.putFile(path, bytes);
    }
    ctx.metric("downloaded", Object.keys(downloaded).length);
    return { files: downloaded };
  },
});

export const deleteFilesTask = defineTask({
  kind: "runnable",
  type: "core.namespace.DeleteFiles",
  aliases: ["io.kestra.plugin.core.namespace.DeleteFiles"],
  title: "Delete namespace files",
  description:
    "Deletes the namespace files of `namespace` whose path (from the root, with a leading `/`) matches one of `files` (Java glob syntax). Outputs `files`: the deleted paths, and reports the count as the `deleted` metric.",
  properties: z.strictObject({ namespace: z.string().min(1), files }),
  outputs: z.object({ files: z.array(z.string()) }),
  async run(ctx, props) {
    const matches = rootedMatcher(list(props.files));
    const deleted: string[] = [];
    for (const path of await ctx.namespaceFiles.list({ namespace: props.namespace })) {
      if (matches(path) && (await ctx.namespaceFiles.delete(path, { namespace: props.namespace }))) deleted.push(`/${path}`);
    }
    ctx.logger.debug(`deleted ${deleted.length} namespace files`);
    ctx.metric("deleted", deleted.length);
    return { files: deleted };
  },
});
