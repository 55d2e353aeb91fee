import { UserError } from "./errors.js";

/**
 * How far a flow's tasks and expressions reach into other namespaces (KV pairs, namespace
 * files, task files, execution counts and logs, triggers, Resume):
 * - `none` (the default, as Kestra's open-source edition: FlowService.isAllowedNamespace is
 *   always true there) — every namespace;
 * - `tree` — the namespaces on the flow's branch of the namespace tree: its ancestors (`company`
 *   for `company.team`) and its descendants (`company.team.sales`); for KV pairs its own, its
 *   parents' and `kv.sharedNamespaces`.
 * Ferry's API has no per-namespace permissions (whoever may deploy a flow may deploy it in any
 * namespace), so `tree` keeps one team's flows from reaching another's by mistake, not by force.
 */
export type NamespaceIsolation = "none" | "tree";

// kept on globalThis: a plugin that bundles its own copy of this package sees the same setting
const KEY = Symbol.for("ferry.namespaceIsolation");
const holder = globalThis as typeof globalThis & { [KEY]?: NamespaceIsolation };

/** sets the process's isolation (from `namespaces.isolation`); what it was before, to put back */
export function setNamespaceIsolation(isolation: NamespaceIsolation): NamespaceIsolation {
  const before = namespaceIsolation();
  holder[KEY] = isolation;
  return before;
}

export function namespaceIsolation(): NamespaceIsolation {
  return holder[KEY] ?? "none";
}

/** whether a flow of `flowNamespace` may reach `target` under the process's isolation */
export function namespaceInScope(flowNamespace: string, target: string): boolean {
  if (namespaceIsolation() === "none") return true;
  return target === flowNamespace || flowNamespace.startsWith(`${target}.`) || target.startsWith(`${flowNamespace}.`);
}

/** the target namespace, or a 403 UserError naming both namespaces and `what` was asked */
export function assertNamespaceInScope(flowNamespace: string, target: string, what: string): string {
  if (!namespaceInScope(flowNamespace, target)) {
    throw new UserError(
      `a flow of namespace ${flowNamespace} may not reach the ${what} of namespace ${target} (namespaces.isolation: tree — only its own, its parents' and its children's)`,
      { status: 403 },
    );
  }
  return target;
}
