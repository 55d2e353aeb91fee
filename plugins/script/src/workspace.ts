import { isStorageUri, namespaceFileKey, schema, toStorageUri, UserError, z, type RunContext } from "@ferry/sdk";
import picomatch from "picomatch";
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
 * How a script is run: only as a process on the worker's host. A container or cloud runner,
 * or a container image, is refused at deploy — never run on the host what was asked to be isolated.
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
  containerImage: schema.notYet("containerImage", `a container image needs a container task runner, which Ferry does not have: ${HOST_ONLY}`),
  runner: z.literal("PROCESS", { error: `not supported by Ferry yet: runner other than PROCESS (${HOST_ONLY})` }).optional(),
  docker: schema.notYet("docker", HOST_ONLY),
  warningOnStdErr: z.literal(false, { error: "not supported by Ferry yet: warningOnStdErr: true (stderr lines are WARN logs; the exit code decides)" }).optional(),
  targetOS: schema.notYet("targetOS", "scripts run on the worker's operating system"),
  outputDirectory: schema.notYet("outputDirectory", "list the files to keep in outputFiles"),
};

export const commonProperties = {
  ...runnerProperties,
  /** environment variables of the script; nothing of the worker's own environment but PATH, HOME and locale */
  env: z.record(z.string(), schema.text()).default({}),
  /** files placed in the working folder first: relative path → inline text or a `ferry://` URI */
  inputFiles: z.record(z.string(), z.string()).default({}),
  /** globs of files in the working folder to upload once the script ends; outputs.outputFiles maps each to its URI */
  outputFiles: z.array(z.string()).default([]),
  /** Kestra's: copies the flow's namespace files (those `include` matches, but not `exclude`) into the working folder first */
  namespaceFiles: z
    .object({ enabled: schema.bool().default(true), include: z.array(z.string()).default([]), exclude: z.array(z.string()).default([]) })
    .optional(),
};

export async function placeNamespaceFiles(ctx: RunContext, dir: string, spec: { enabled: boolean; include: string[]; exclude: string[] } | undefined): Promise<void> {
  if (!spec?.enabled) return;
  const included = spec.include.length ? picomatch(spec.include, { dot: true }) : () => true;
  const excluded = spec.exclude.length ? picomatch(spec.exclude, { dot: true }) : () => false;
  for (const path of await ctx.listNamespaceFiles()) {
    if (!included(path) || excluded(path)) continue;
    const target = inside(dir, path, "namespace file");
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await ctx.getFile(toStorageUri(namespaceFileKey(ctx.execution.namespace, path))));
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

export async function placeInputFiles(ctx: RunContext, dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = inside(dir, path, "inputFiles key");
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, isStorageUri(content) ? await ctx.getFile(content) : content);
  }
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
