import { UserError } from "@ferry/sdk/basics";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";

/*
 * @ferry/* is not published on npm, so a plugin made outside this repository cannot
 * `npm install` it from the registry. Two ways were open: `file:` paths to this
 * installation's package folders, or tarballs packed from them. Paths to folders make npm
 * link them: the linked testkit then resolves vitest from this installation while the
 * plugin runs its own vitest (two vitest copies: its suites find no runner), and the
 * plugin only installs on a machine with this installation at that same path. Tarballs
 * are installed as copies, as a registry package would be. So `ferry plugin new` packs the
 * SDK, the testkit and the @ferry packages they need (`npm pack`, the files each package
 * publishes) into the plugin's own `vendor/` folder, named by relative `file:` paths: the
 * folder installs anywhere (CI too) and its lockfile holds no absolute path.
 */

const ROOTS = ["@ferry/sdk", "@ferry/testkit"];
const require = createRequire(import.meta.url);

interface PackageJson {
  name: string;
  version: string;
  main?: string;
  dependencies?: Record<string, string>;
}

/** the folder of an installed @ferry package, found from its entry file */
function packageDir(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch (error) {
    throw new UserError(`cannot find ${name} in this Ferry installation to give the plugin: ${(error as Error).message}`, { cause: error });
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as PackageJson).name === name) return dir;
  }
  throw new UserError(`no package.json of ${name} above ${entry}`);
}

/** the @ferry packages a plugin needs (the SDK, the testkit and what they depend on), by name */
function closure(): Map<string, string> {
  const dirs = new Map<string, string>();
  const queue = [...ROOTS];
  while (queue.length) {
    const name = queue.shift()!;
    if (dirs.has(name)) continue;
    const dir = packageDir(name);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;
    if (pkg.main && !existsSync(join(dir, pkg.main))) throw new UserError(`${name} is not built (${join(dir, pkg.main)} is missing): run npm run build in the Ferry installation first`);
    dirs.set(name, dir);
    queue.push(...Object.keys(pkg.dependencies ?? {}).filter((dep) => dep.startsWith("@ferry/")));
  }
  return dirs;
}

/** Packs the SDK into `<pluginDir>/vendor/`; answers each package's `file:` spec, relative to the plugin. */
export async function vendorSdk(pluginDir: string): Promise<Record<string, string>> {
  const dirs = closure();
  const vendor = join(pluginDir, "vendor");
  await mkdir(vendor, { recursive: true });
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("npm", ["pack", ...dirs.values(), "--pack-destination", vendor, "--json", "--ignore-scripts"], { cwd: vendor, maxBuffer: 16 * 1024 * 1024 }));
  } catch (error) {
    throw new UserError(`npm pack of the Ferry SDK failed (is npm on the PATH?): ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
  const packed = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
  return Object.fromEntries(packed.map((p) => [p.name, `file:${relative(pluginDir, join(vendor, p.filename))}`]));
}
