import { z } from "zod";
import { UserError } from "./errors.js";
import type { RunContext } from "./task.js";

/**
 * Kestra's NamespaceFiles option of WorkingDirectory and the script tasks: which namespace files
 * are copied into the task's folder before it runs. `namespaces` defaults to the flow's own; a
 * file found in several is taken from the last one listed. `folderPerNamespace` puts each under
 * a folder named after its namespace. `ifExists` says what a file already in the folder gets.
 */
export const namespaceFilesOption = z.strictObject({
  enabled: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).default(true),
  include: z.array(z.string()).default([]),
  exclude: z.array(z.string()).default([]),
  namespaces: z.array(z.string().min(1)).min(1, "namespaces lists at least one namespace").optional(),
  folderPerNamespace: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean()).default(false),
  ifExists: z.enum(["OVERWRITE", "FAIL", "WARN", "IGNORE"]).default("OVERWRITE"),
});

export type NamespaceFilesOption = z.infer<typeof namespaceFilesOption>;

export interface NamespaceFileToPlace {
  /** where it goes, relative to the folder */
  target: string;
  namespace: string;
  /** its path in its namespace */
  path: string;
}

/**
 * The files an enabled option copies, in Kestra's NamespaceFilesUtils order: namespace by
 * namespace, a later namespace's file replacing an earlier one at the same destination.
 * `matcher` builds the plugin's glob matcher (include: all when empty; exclude: none when empty).
 */
export async function namespaceFilesToPlace(
  ctx: RunContext,
  option: NamespaceFilesOption,
  matcher: (globs: string[]) => (path: string) => boolean,
): Promise<NamespaceFileToPlace[]> {
  if (!option.enabled) return [];
  const included = option.include.length ? matcher(option.include) : () => true;
  const excluded = option.exclude.length ? matcher(option.exclude) : () => false;
  const byTarget = new Map<string, NamespaceFileToPlace>();
  for (const namespace of option.namespaces ?? [ctx.execution.namespace]) {
    for (const listed of await ctx.namespaceFiles.list({ namespace })) {
      if (!included(listed) || excluded(listed)) continue;
      const path = listed.replace(/^\/+/, "");
      const target = option.folderPerNamespace ? `${namespace}/${path}` : path;
      byTarget.delete(target);
      byTarget.set(target, { target, namespace, path });
    }
  }
  return [...byTarget.values()];
}

/**
 * Whether a namespace file is written over one already in the folder, as Kestra's
 * FileExistComportment: OVERWRITE writes, IGNORE skips, WARN skips with a WARN, FAIL fails the task.
 */
export function writeOverExisting(ctx: RunContext, option: NamespaceFilesOption, target: string): boolean {
  switch (option.ifExists) {
    case "OVERWRITE":
      return true;
    case "IGNORE":
      return false;
    case "WARN":
      ctx.logger.warn(`File '${target}' already exists in the working directory: the namespace file is not copied`);
      return false;
    case "FAIL":
      throw new UserError(`File '${target}' already exists in the working directory (namespaceFiles.ifExists: FAIL)`);
  }
}
