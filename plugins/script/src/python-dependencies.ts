import { type RunContext, UserError } from "@ferry/sdk";
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Kestra's python tasks' `dependencies` (plugin-script-python PythonEnvironmentManager, PythonDependenciesResolver):
 * the packages are installed into a folder of their own and the script runs with PYTHONPATH naming it. With
 * `dependencyCacheEnabled` (Kestra's default, true) that folder is kept for the next runs asking for the same packages
 * with the same Python, keyed by a hash of both as Kestra keys its cache; Kestra keeps it in internal storage, Ferry on the
 * worker's disk (the temp dir, as Kestra's local cache dir defaults to java.io.tmpdir). Without the cache, each run
 * installs them afresh and removes them once it ended.
 */
export const PYTHON = "python3";

/** where cached package folders live: FERRY_PYTHON_DEPENDENCIES_DIR, or the system temp dir */
const cacheRoot = () => process.env.FERRY_PYTHON_DEPENDENCIES_DIR ?? join(tmpdir(), "ferry-python-dependencies");

/** the worker's variables pip may need to reach an index: its own settings and the proxies */
const PIP_REACH = /^(PATH|HOME|LANG|LC_ALL|TZ|TMPDIR|PIP_.*|HTTPS?_PROXY|NO_PROXY|ALL_PROXY|https?_proxy|no_proxy|all_proxy|REQUESTS_CA_BUNDLE|SSL_CERT_(FILE|DIR))$/;

/**
 * pip's environment: what a script gets of the worker's (PATH, HOME, locale, temp dir: workspace.ts scriptEnv), the
 * worker's pip settings and proxies, the task's `env` (so that a flow can name its own index), and nothing else of the
 * worker's — installing a package runs its build code, which must not read the worker's secrets any more than the script may.
 */
export function pipEnv(taskEnv: Record<string, string>, workerEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const reach: Record<string, string> = {};
  for (const [key, value] of Object.entries(workerEnv)) if (value !== undefined && PIP_REACH.test(key)) reach[key] = value;
  return { ...reach, PIP_ROOT_USER_ACTION: "ignore", PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1", ...taskEnv };
}

const run = (ctx: RunContext, args: string[], env: Record<string, string>) =>
  new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(PYTHON, args, { signal: ctx.signal, maxBuffer: 16 * 1024 * 1024, env }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });

/** the hash a set of requirements is cached under: the Python version and the requirements, in order */
export function requirementsHash(pythonVersion: string, requirements: readonly string[]): string {
  return createHash("sha256").update(`${pythonVersion.trim()}\n${requirements.join("\n")}`).digest("hex").slice(0, 32);
}

async function install(ctx: RunContext, requirements: readonly string[], target: string, env: Record<string, string>): Promise<void> {
  try {
    await run(ctx, ["-m", "pip", "install", "--quiet", "--target", target, ...requirements], env);
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new UserError(`cannot install the python dependencies: ${PYTHON} is not on the worker's PATH`);
    const tail = (e.stderr ?? "").trim().split("\n").filter(Boolean).slice(-5).join("\n");
    throw new UserError(`cannot install the python dependencies ${requirements.join(", ")} (pip exited with code ${e.code ?? "?"})${tail ? `:\n${tail}` : ""}`);
  }
}

/**
 * The folder holding the task's dependencies, installed or restored from the cache, and what to do once the script
 * ended (remove an uncached folder). Nothing to do without dependencies.
 */
export async function pythonPackages(ctx: RunContext, requirements: readonly string[], cacheEnabled: boolean, taskEnv: Record<string, string> = {}): Promise<{ path: string; done: () => Promise<void> } | undefined> {
  if (!requirements.length) return undefined;
  const env = pipEnv(taskEnv);
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  if (!cacheEnabled) {
    const path = join(root, `uncached-${randomUUID()}`);
    await install(ctx, requirements, path, env);
    ctx.logger.debug(`installed python dependencies: ${requirements.join(", ")}`);
    return { path, done: () => rm(path, { recursive: true, force: true }) };
  }
  const version = (await run(ctx, ["--version"], env).catch(() => ({ stdout: "" }))).stdout;
  const hash = requirementsHash(version, requirements);
  const path = join(root, hash);
  if (existsSync(path)) {
    ctx.logger.debug(`restored python dependencies cache for key: ${hash}`);
    return { path, done: async () => undefined };
  }
  // installed beside, then renamed in one step: a run beside this one sees the whole folder or none
  const staging = join(root, `${hash}.${randomUUID()}.tmp`);
  try {
    await install(ctx, requirements, staging, env);
    await rename(staging, path).catch((error: NodeJS.ErrnoException) => {
      // another run installed the same packages first: keep its folder
      if (!existsSync(path)) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  ctx.logger.debug(`installed python dependencies: ${requirements.join(", ")} (cached for key: ${hash})`);
  return { path, done: async () => undefined };
}
