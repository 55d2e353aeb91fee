import { isStorageUri, namespaceFilesOption, namespaceFilesToPlace, rootedMatcher, schema, UserError, writeOverExisting, z, type NamespaceFilesOption, type RunContext } from "@ferry/sdk";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { glob } from "tinyglobby";

/** Ferry's own files in a working folder (runner, inputs, result), never output files */
export const FERRY_DIR = ".ferry";

/** Properties every script task takes, as Kestra's script tasks name them. */
/** the task runner Ferry has: processes on the worker's host (Kestra's Process runner, under its names) */
const PROCESS_RUNNERS = ["io.kestra.plugin.core.runner.Process", "io.kestra.plugin.scripts.runner.Process", "core.runner.Process"];
const HOST_ONLY = "Ferry runs scripts as processes on the worker's host; to isolate a script, run its worker in a container";

/**
 * How a script is run: only as a process on the worker's host. A container or cloud runner is
 * refused at deploy — never run on the host what was asked to be isolated. A `containerImage`
 * is taken only beside an explicit Process runner, which Kestra documents as not using it
 * ("only used if the task runner is container-based"); without one Kestra's default runner is
 * Docker, and the image a request for a container (`containerImageNeedsProcessRunner`).
 */
const runnerProperties = {
  taskRunner: z
    .object({ type: z.string() })
    .loose()
    .superRefine((runner, ctx) => {
      if (!PROCESS_RUNNERS.includes(runner.type)) {
        ctx.addIssue({ code: "custom", path: ["type"], message: `not supported by Ferry yet: taskRunner ${runner.type} (${HOST_ONLY}; or use io.kestra.plugin.core.runner.Process)` });
      } else {
        for (const key of Object.keys(runner)) if (key !== "type") ctx.addIssue({ code: "custom", path: [key], message: `unknown property '${key}' of the Process task runner` });
      }
    })
    .optional(),
  containerImage: schema
    .text()
    .optional()
    .describe("ignored: as by Kestra's Process runner, which runs the script on the host — taken only beside taskRunner io.kestra.plugin.core.runner.Process (a WARN line says the image is not used); refused without a taskRunner, where Kestra's default runner is Docker"),
  runner: z.literal("PROCESS", { error: `not supported by Ferry yet: runner other than PROCESS (${HOST_ONLY})` }).optional(),
  docker: schema.notYet("docker", HOST_ONLY),
  warningOnStdErr: z
    .boolean()
    .optional()
    .describe("ignored: Kestra deprecated it in 0.23 and ignores it since (plugin-scripts issue 233); stderr lines are ERROR logs and the exit code alone decides the state"),
  targetOS: schema.notYet("targetOS", "scripts run on the worker's operating system"),
  outputDirectory: schema.notYet("outputDirectory", "list the files to keep in outputFiles"),
};

/** refuses a `containerImage` unless `taskRunner` names the Process runner (checked in `runnerProperties`), at the image's path */
export function containerImageNeedsProcessRunner(props: { containerImage?: string; taskRunner?: unknown }, ctx: z.RefinementCtx): void {
  if (props.containerImage === undefined || props.taskRunner !== undefined) return;
  ctx.addIssue({
    code: "custom",
    path: ["containerImage"],
    message: `not supported by Ferry yet: containerImage without a task runner (Kestra's default runner, Docker, would run the script in that image: ${HOST_ONLY}; with taskRunner io.kestra.plugin.core.runner.Process, Kestra and Ferry run it on the host and do not use the image)`,
  });
}

/** the same rule in the flow JSON Schema, for editors (a task's `dependentRequired`) */
export const CONTAINER_IMAGE_NEEDS_RUNNER = { dependentRequired: { containerImage: ["taskRunner"] } };

/** the WARN line of a script whose `containerImage` the Process runner does not use, so that nobody thinks it ran in that image */
export function noteUnusedContainerImage(ctx: RunContext, containerImage: string | undefined): void {
  if (containerImage) ctx.logger.warn(`containerImage '${containerImage}' is not used: the Process task runner runs the script on the worker's host`);
}

export const commonProperties = {
  ...runnerProperties,
  /** environment variables of the script; nothing of the worker's own environment but PATH, HOME and locale */
  env: z.record(z.string(), schema.text()).default({}),
  /** files placed in the working folder first: relative path → inline text or a `ferry://` URI, or a JSON text of that map (as Kestra's FilesService reads a rendered string) */
  inputFiles: z.union([z.record(z.string(), z.string()), z.string()]).default({}),
  /** globs of files in the working folder to upload once the script ends; outputs.outputFiles maps each to its URI */
  outputFiles: z.array(z.string()).default([]),
  /** Kestra's: copies the flow's namespace files (those `include` matches, but not `exclude`) into the working folder first */
  namespaceFiles: namespaceFilesOption.optional(),
};

export async function placeNamespaceFiles(ctx: RunContext, dir: string, option: NamespaceFilesOption | undefined): Promise<void> {
  if (!option) return;
  // Kestra's PathMatcherPredicate, as WorkingDirectory reads them: `file1.txt` is any folder's, `/file1.txt` the root's
  for (const file of await namespaceFilesToPlace(ctx, option, rootedMatcher)) {
    const target = inside(dir, file.target, "namespace file");
    if (existsSync(target) && !writeOverExisting(ctx, option, file.target)) continue;
    const bytes = await ctx.namespaceFiles.get(file.path, { namespace: file.namespace });
    if (!bytes) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
}

/** `path` resolved inside `dir`, refused when it would leave it */
export function inside(dir: string, path: string, what: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (isAbsolute(path) || rel === "" || rel === ".." || rel.startsWith(`..${sep}`)) {
    throw new UserError(`${what} '${path}' must be a relative path inside the task's working folder`);
  }
  return full;
}

export async function placeInputFiles(ctx: RunContext, dir: string, inputFiles: Record<string, string> | string): Promise<void> {
  for (const [path, content] of Object.entries(inputFilesMap(inputFiles))) {
    const target = inside(dir, path, "inputFiles key");
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, isStorageUri(content) ? await ctx.getFile(content) : content);
  }
}

/** inputFiles as a map: a JSON text (a rendered `{{ … | toJson }}`) is read as one, anything else is refused by name */
function inputFilesMap(inputFiles: Record<string, string> | string): Record<string, string> {
  if (typeof inputFiles !== "string") return inputFiles;
  let parsed: unknown;
  try {
    parsed = JSON.parse(inputFiles);
  } catch (error) {
    throw new UserError("inputFiles: expected a map of file name to content, or a JSON text of one", { cause: error });
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new UserError("inputFiles: expected a map of file name to content, or a JSON text of one");
  for (const [path, content] of Object.entries(parsed)) {
    if (typeof content !== "string") throw new UserError(`inputFiles '${path}': the content must be a text or a storage URI`);
  }
  return parsed as Record<string, string>;
}

export async function uploadOutputFiles(ctx: RunContext, dir: string, patterns: string[]): Promise<Record<string, string>> {
  if (!patterns.length) return {};
  const matches = await glob(patterns, { cwd: dir, onlyFiles: true, dot: true, ignore: [`${FERRY_DIR}/**`], expandDirectories: false });
  const uploaded: Record<string, string> = {};
  for (const path of matches.sort()) uploaded[path] = await ctx.putFile(path, new Uint8Array(await readFile(resolve(dir, path))));
  return uploaded;
}

/**
 * A script's environment: the task's `env` on top of what a program needs to run (PATH,
 * HOME, locale, temp dir). The worker's own variables — FERRY_*, SECRET_*, credentials —
 * never reach a script.
 */
export function scriptEnv(env: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"]) if (process.env[key] !== undefined) base[key] = process.env[key]!;
  return { ...base, ...extra, ...env };
}

/** outputs every script task shares: Kestra's `vars`, `exitCode`, and `outputFiles` when asked for */
export function scriptOutputs(result: { exitCode: number; vars: Record<string, unknown> }, outputFiles: Record<string, string>, asked: boolean) {
  return { vars: result.vars, exitCode: result.exitCode, ...(asked ? { outputFiles } : {}) };
}

/**
 * The texts a script task renders itself (its `rawProperties`), with Kestra's `{{ workingDir }}`: the
 * task's working folder, which Kestra's task runner adds to what a script task's commands see
 * (Process.runnerAdditionalVars; Kestra's Process @Example `cp {{workingDir}}/data.txt {{workingDir}}/out.txt`).
 */
export async function renderInFolder(ctx: RunContext, texts: readonly string[], dir: string): Promise<string[]> {
  const rendered: string[] = [];
  for (const text of texts) rendered.push(await withLocalCopies(ctx, String(await ctx.render(text, { workingDir: dir })), dir));
  return rendered;
}

/** a storage URI as Kestra's ScriptService.INTERNAL_STORAGE_PATTERN finds one in a command (Ferry's own scheme too) */
const STORAGE_URI = /(?:kestra|ferry):\/\/[-a-zA-Z0-9%._+~#=/]*/g;

/**
 * Each storage URI in a rendered command replaced by the path of a local copy of its file, as Kestra's
 * ScriptService.replaceInternalStorage does for every script task (`cat "{{ inputs.items }}"` reads the
 * FILE input). The copies sit in Ferry's own folder, so they are never taken for output files.
 */
async function withLocalCopies(ctx: RunContext, text: string, dir: string): Promise<string> {
  const uris = [...new Set(text.match(STORAGE_URI) ?? [])];
  if (!uris.length) return text;
  const copies = new Map<string, string>();
  const folder = resolve(dir, FERRY_DIR, "storage");
  await mkdir(folder, { recursive: true });
  for (const uri of uris) {
    const path = resolve(folder, `${randomUUID()}.tmp`);
    await writeFile(path, await ctx.getFile(uri));
    copies.set(uri, path);
  }
  return text.replace(STORAGE_URI, (uri) => copies.get(uri)!);
}
