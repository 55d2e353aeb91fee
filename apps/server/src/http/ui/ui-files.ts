import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";

/** one built file of the web UI (its bytes are read when asked for: Monaco's languages make the build 19 MB) */
export interface UiFile {
  path: string;
  /** a hashed asset (`assets/index-3f2a….js`) never changes under its name */
  immutable: boolean;
}

/** the folder `npm run build` writes the UI to (`apps/ui/dist`), found as the workspace package `@ferry/ui` */
export function uiDistFolder(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@ferry/ui/package.json")), "dist");
  } catch {
    return undefined;
  }
}

/**
 * The UI's built files by URL path under /ui/ (`index.html`, `assets/…`), listed once at start,
 * or undefined when the UI has not been built. Requests are answered from this list only, never
 * by joining a request's path to a folder: no path can reach outside the build.
 */
export function loadUiFiles(folder = uiDistFolder()): Map<string, UiFile> | undefined {
  if (!folder || !existsSync(join(folder, "index.html"))) return undefined;
  const files = new Map<string, UiFile>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const name = relative(folder, path).split(sep).join("/");
        files.set(name, { path, immutable: name.startsWith("assets/") });
      }
    }
  };
  walk(folder);
  return files;
}

let loaded: { files: Map<string, UiFile> | undefined } | undefined;
/** the build, read once per process (every app a test creates shares it) */
export function loadUiFilesOnce(): Map<string, UiFile> | undefined {
  return (loaded ??= { files: loadUiFiles() }).files;
}

export const readUiFile = (file: UiFile) => readFile(file.path);
