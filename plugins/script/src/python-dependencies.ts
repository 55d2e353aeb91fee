import { type RunContext, UserError } from "@ferry/sdk";
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "./run-process.js";
import { FERRY_DIR } from "./workspace.js";

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

/** `python3 --version` (no package code runs): part of the cache key; empty when it cannot be read */
const pythonVersion = (env: Record<string, string>) =>
  new Promise<string>((resolve) => execFile(PYTHON, ["--version"], { env, timeout: 30_000 }, (error, stdout) => resolve(error ? "" : stdout)));

/** the hash a set of requirements is cached under: the Python version and the requirements, in order */
export function requirementsHash(pythonVersion: string, requirements: readonly string[]): string {
  return createHash("sha256").update(`${pythonVersion.trim()}\n${requirements.join("\n")}`).digest("hex").slice(0, 32);
}

/**
 * pip runs as a script does (run-process.ts): under the supervisor that ends it with its worker
 * or its task, in its own process group, as worker.processUser when one is set — a package's
 * build code is the flow author's code as much as the script is. Its output becomes log lines.
 */
async function install(ctx: RunContext, requirements: readonly string[], target: string, env: Record<string, string>, cwd: string): Promise<void> {
  try {
    await runProcess(ctx, { command: PYTHON, args: ["-m", "pip", "install", "--quiet", "--target", target, ...requirements], cwd, env });
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    throw new UserError(`cannot install the python dependencies ${requirements.join(", ")}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The folder holding the task's dependencies, installed or restored from the cache, and what to do once the script
 * ended (remove an uncached folder). Nothing to do without dependencies. `dir` is the task's working folder.
 *
 * Under worker.processUser the cache is not used: the packages go to the task's working folder, installed as that
 * user. A folder shared between runs would be written by one flow's install and imported by another's script, and the
 * user the scripts run as must not be able to change what the next flow imports.
 */
export async function pythonPackages(ctx: RunContext, requirements: readonly string[], cacheEnabled: boolean, dir: string, taskEnv: Record<string, string> = {}): Promise<{ path: string; done: () => Promise<void> } | undefined> {
  if (!requirements.length) return undefined;
  const env = pipEnv(taskEnv);
  if (ctx.processUser) {
    const path = join(dir, FERRY_DIR, "python-packages");
    if (cacheEnabled) ctx.logger.debug("python dependencies are installed for this run only: worker.processUser is set, and a cache would be shared between flows");
    await install(ctx, requirements, path, env, dir);
    return { path, done: async () => undefined };
  }
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  if (!cacheEnabled) {
    const path = join(root, `uncached-${randomUUID()}`);
    try {
      await install(ctx, requirements, path, env, dir);
    } catch (error) {
      await rm(path, { recursive: true, force: true });
      throw error;
    }
    ctx.logger.debug(`installed python dependencies: ${requirements.join(", ")}`);
    return { path, done: () => rm(path, { recursive: true, force: true }) };
  }
  const version = (await pythonVersion(env)).trim();
  const hash = requirementsHash(version, requirements);
  const path = join(root, hash);
  if (existsSync(path)) {
    ctx.logger.debug(`restored python dependencies cache for key: ${hash}`);
    return { path, done: async () => undefined };
  }
  // installed beside, then renamed in one step: a run beside this one sees the whole folder or none
  const staging = join(root, `${hash}.${randomUUID()}.tmp`);
  try {
    await install(ctx, requirements, staging, env, dir);
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
