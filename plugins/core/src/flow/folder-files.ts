import { isStorageUri, namespaceFilesToPlace, rootedMatcher, UserError, workingDirMatcher, writeOverExisting, type NamespaceFilesOption, type RunContext } from "@ferry/sdk";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { packFiles, unpackFiles } from "./file-bundle.js";

/** every file under `root`, as relative paths with `/` */
export async function filesUnder(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(root, path)));
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join("/"));
  }
  return out;
}

/** `path` inside `dir`, refused when it would leave it */
function inside(dir: string, path: string, what: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (isAbsolute(path) || rel === "" || rel === ".." || rel.startsWith(`..${sep}`)) throw new UserError(`${what} '${path}' must be a relative path inside the working directory`);
  return full;
}

async function place(dir: string, path: string, bytes: Uint8Array | string, what: string, mode?: number): Promise<void> {
  const target = inside(dir, path, what);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, bytes);
  if (mode !== undefined) await chmod(target, mode & 0o777);
}

/**
 * Kestra's inputFiles (FilesService.inputFiles): a map of file name to content, or a JSON text
 * of one; a content that is a storage URI copies that file.
 */
export async function placeInputFiles(ctx: RunContext, dir: string, inputFiles: unknown): Promise<void> {
  let files = inputFiles;
  if (typeof files === "string") {
    try {
      files = JSON.parse(files);
    } catch (error) {
      throw new UserError("inputFiles: expected a map of file name to content, or a JSON text of one", { cause: error });
    }
  }
  if (!files || typeof files !== "object" || Array.isArray(files)) throw new UserError("inputFiles: expected a map of file name to content");
  for (const [path, content] of Object.entries(files)) {
    if (typeof content !== "string") throw new UserError(`inputFiles '${path}': the content must be a text or a storage URI`);
    await place(dir, path, isStorageUri(content) ? await ctx.getFile(content) : content, "inputFiles key");
  }
}

/** Kestra's namespaceFiles: the files the option selects, each placed unless its ifExists keeps what the folder has */
export async function placeNamespaceFiles(ctx: RunContext, dir: string, option: NamespaceFilesOption): Promise<void> {
  for (const file of await namespaceFilesToPlace(ctx, option, rootedMatcher)) {
    if ((await exists(inside(dir, file.target, "namespace file"))) && !writeOverExisting(ctx, option, file.target)) continue;
    const bytes = await ctx.namespaceFiles.get(file.path, { namespace: file.namespace });
    if (bytes) await place(dir, file.target, bytes, "namespace file");
  }
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/** the files of the folder that match any of the globs (Java glob syntax, relative to the folder), sorted */
export async function matchingFiles(dir: string, globs: string[]): Promise<string[]> {
  const matches = workingDirMatcher(globs);
  return (await filesUnder(dir)).filter(matches).sort();
}

/** Kestra's outputFiles: each matching file stored under the task run, by its path in the folder */
export async function storeOutputFiles(ctx: RunContext, dir: string, globs: string[]): Promise<Record<string, string>> {
  const uris: Record<string, string> = {};
  for (const path of await matchingFiles(dir, globs)) uris[path] = await ctx.putFile(path, new Uint8Array(await readFile(join(dir, path))));
  return uris;
}

/** restores a cache bundle into the folder; answers how many files it held */
export async function restoreFiles(dir: string, blob: Uint8Array): Promise<number> {
  const files = unpackFiles(blob);
  for (const file of files) await place(dir, file.path, file.bytes, "cached file", file.mode);
  return files.length;
}

/** the matching files as a bundle, or undefined when none of them changed since `since` (ms) */
export async function bundleFiles(dir: string, globs: string[], since: number): Promise<{ blob: Uint8Array; count: number } | undefined> {
  const paths = await matchingFiles(dir, globs);
  const files = await Promise.all(paths.map(async (path) => ({ path, stats: await stat(join(dir, path)) })));
  if (!files.some((f) => f.stats.mtimeMs > since)) return undefined;
  const bundled = await Promise.all(files.map(async (f) => ({ path: f.path, mode: f.stats.mode, bytes: new Uint8Array(await readFile(join(dir, f.path))) })));
  return { blob: packFiles(bundled), count: bundled.length };
}
