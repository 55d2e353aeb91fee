// A baseline to benchmark against in the same run: a built checkout's folder as it is, or a
// git ref, exported into bench/.baselines/<commit>/ (git archive: no worktree registered),
// given this checkout's node_modules as hard links (its own `npm install` when the lockfiles
// differ), and built there once; later runs against the same commit reuse the build.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const BUILT = ".ferry-bench-built";

/** the root of a built checkout for `ref` (a folder, or anything `git rev-parse` reads) */
export function prepareBaseline(ref, root, log = (line) => console.error(line)) {
  if (existsSync(join(ref, "apps/cli/bin/ferry.js"))) return resolve(ref);
  let commit;
  try {
    commit = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    throw new Error(`--baseline ${ref}: neither a built checkout's folder nor a git ref of this repository`);
  }
  const dir = join(root, "bench/.baselines", commit.slice(0, 12));
  if (existsSync(join(dir, BUILT))) return dir;
  log(`bench: building the baseline ${ref} (${commit.slice(0, 12)}) in ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C "${dir}"`], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (readFileSync(join(dir, "package-lock.json"), "utf8") === readFileSync(join(root, "package-lock.json"), "utf8")) {
    // the same dependencies: hard links cost no space and no download; the workspace's own
    // links are relative, so they point into the baseline's packages, not this checkout's
    for (const modules of nodeModulesFolders(root)) execFileSync("cp", ["-al", join(root, modules), join(dir, modules)], { stdio: ["ignore", "inherit", "inherit"] });
  } else {
    log("bench: the baseline's package-lock.json differs: npm install there");
    execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  }
  execFileSync("npx", ["turbo", "run", "build"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  writeFileSync(join(dir, BUILT), `${commit}\n`);
  return dir;
}

/** node_modules at the root and in each workspace package (npm hoists most, not all) */
function nodeModulesFolders(root) {
  const found = existsSync(join(root, "node_modules")) ? ["node_modules"] : [];
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  for (const pattern of workspaces) {
    const parent = pattern.replace(/\/\*$/, "");
    if (!existsSync(join(root, parent))) continue;
    const packages = pattern.endsWith("/*") ? readdirSync(join(root, parent)).map((name) => `${parent}/${name}`) : [parent];
    for (const pkg of packages) if (existsSync(join(root, pkg, "node_modules"))) found.push(`${pkg}/node_modules`);
  }
  return found;
}
