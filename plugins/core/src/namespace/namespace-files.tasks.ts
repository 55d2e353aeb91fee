import { defineTask, isStorageUri, rootedMatcher, schema, UserError, workingDirMatcher, z } from "@ferry/sdk";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

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
    "Stores files as namespace files of `namespace` (the flow's own when absent, a parent or a child). `filesMap` maps destination paths to ferry:// URIs " +
    "(a map, or a JSON text of one, as another task's output gives it): each is stored at `destination` + its key, as Kestra joins them. `files` is a list " +
    "of globs (Java glob syntax; `glob:` and `regex:` prefixes as Kestra's) selecting files of the task's working directory, stored under `destination` " +
    "(`/` by default), or of ferry:// URIs, stored there by file name; Kestra's older form, a map as `files`, is read as `filesMap` without `destination`. " +
    "`conflict` says what an existing file gets: OVERWRITE (default), ERROR or SKIP. A URI whose file is missing is skipped, as Kestra does. " +
    "Outputs `files`: the stored paths and their URIs.",
  properties: z
    .strictObject({
      namespace: z.string().min(1).optional(),
      files: z.union([z.record(z.string().min(1), z.string()), z.array(z.string().min(1))]).optional(),
      filesMap: z.union([z.record(z.string().min(1), z.string()), z.string().min(1)]).optional(),
      destination: z.string().default("/"),
      conflict: z.enum(["OVERWRITE", "ERROR", "SKIP"]).default("OVERWRITE"),
    })
    .refine((p) => p.files !== undefined || p.filesMap !== undefined, { message: "files or filesMap is required" }),
  outputs: z.object({ files: z.record(z.string(), z.string()) }),
  async run(ctx, props) {
    const stored: Record<string, string> = {};
    const put = async (path: string, bytes: Uint8Array) => {
      const uri = await ctx.namespaceFiles.put(path, bytes, { namespace: props.namespace, conflict: props.conflict });
      if (uri) stored[path] = uri;
    };
    const read = async (uri: string) => ctx.getFile(uri).catch(() => undefined);
    const putAll = async (map: Record<string, string>, prefix: string) => {
      for (const [target, uri] of Object.entries(map)) {
        const bytes = await read(uri);
        if (bytes) await put(under("", prefix + target), bytes);
      }
    };
    const destination = props.destination.startsWith("/") ? props.destination : `/${props.destination}`;
    if (props.files !== undefined && !Array.isArray(props.files)) await putAll(props.files, "");
    if (Array.isArray(props.files)) {
      const globs: string[] = [];
      for (const entry of props.files) {
        if (!isStorageUri(entry)) {
          globs.push(entry);
          continue;
        }
        const bytes = await read(entry);
        if (bytes) await put(under(destination, entry.split("/").pop()!), bytes);
      }
      if (globs.length) {
        const dir = await ctx.workingDirectory();
        const matches = workingDirMatcher(globs);
        for (const path of await walk(dir)) if (matches(path)) await put(under(destination, path), await readFile(join(dir, path)));
      }
    }
    if (props.filesMap !== undefined) await putAll(filesMapOf(props.filesMap), destination);
    return { files: stored };
  },
});

/** `filesMap` as Kestra reads it: a map, or a JSON text of one (`{{ outputs.unzip.files }}`), every value a URI */
function filesMapOf(value: Record<string, string> | string): Record<string, string> {
  if (typeof value !== "string") return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UserError("filesMap: expected a map of path to ferry:// URI, or a JSON text of one", { cause: error });
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === "string")) {
    throw new UserError("filesMap must be a Map<String, String>");
  }
  return parsed as Record<string, string>;
}

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
    "Deletes the namespace files of `namespace` whose path (from the root, with a leading `/`) matches one of `files` (Java glob syntax). Outputs `files`: the deleted paths, and reports the count as the `deleted` metric. " +
    "A folder exists while it holds a file, so a folder left empty goes with its last file: `deleteParentFolder: true` is what Ferry always does; `false` (keep it empty) is refused.",
  properties: z.strictObject({
    namespace: z.string().min(1),
    files,
    // Kestra's default (false) keeps a folder left empty; Ferry's folders are the paths of their files (DeleteFilesTest.shouldDeleteParentFolder)
    deleteParentFolder: schema
      .bool()
      .refine((v) => v, { message: "not supported by Ferry yet: false (keeping an emptied folder); a namespace folder exists only while it holds a file" })
      .optional(),
  }),
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
