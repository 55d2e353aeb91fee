import { SDK_MAJOR, UserError } from "@ferry/sdk";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** `./x`, `../x`, `/x`: a folder or file, not an npm package name */
export const isLocalSpec = (spec: string) => spec.startsWith(".") || spec.startsWith("/");

function entryOf(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const pkgFile = join(path, "package.json");
  if (existsSync(pkgFile)) {
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { main?: string; exports?: unknown };
    const exp = pkg.exports as Record<string, unknown> | string | undefined;
    const dot = typeof exp === "string" ? exp : (exp?.["."] as Record<string, string> | string | undefined);
    const main = typeof dot === "string" ? dot : dot?.default ?? dot?.import ?? pkg.main;
    if (main) return join(path, main);
  }
  for (const name of ["index.js", "index.mjs", "dist/index.js"]) if (existsSync(join(path, name))) return join(path, name);
  throw new Error(`no package.json main or index.js in ${path}`);
}

/**
 * Imports what configuration names: an npm package by name, or a folder (its package.json
 * entry, else index.js) or file by path relative to `baseDir`. Plugins and backends load
 * through here, so both accept the same names.
 */
export async function importSpec(spec: string, baseDir: string): Promise<Record<string, unknown>> {
  return (await import(isLocalSpec(spec) ? pathToFileURL(entryOf(resolve(baseDir, spec))).href : spec)) as Record<string, unknown>;
}

/**
 * true when importing `spec` failed because nothing by that name exists: no such file or
 * folder, or no such package. A module that exists but fails to import what it needs is
 * not "not found": its own message says what is missing.
 */
export function isNotFound(error: unknown, spec: string): boolean {
  const e = error as { code?: string; message?: string };
  if (isLocalSpec(spec)) return e.code === "ENOENT";
  const message = e.message ?? "";
  const missing = e.code === "ERR_MODULE_NOT_FOUND" || /^Cannot find (package|module)|^Failed to load url/.test(message);
  // Node names the package quoted; vite (under vitest) after "url"
  return missing && (message.includes(`'${spec}'`) || message.includes(`url ${spec} `));
}

/** what a plugin or backend built for another SDK major version is refused with */
export function assertSdkMajor(what: string, sdkMajor: unknown): void {
  if (sdkMajor !== SDK_MAJOR) throw new UserError(`${what} was built for @ferry/sdk major ${String(sdkMajor)}, this server has major ${SDK_MAJOR}`);
}
