import { UserError } from "./errors.js";

/**
 * The namespaces a flow's tasks reach beyond their own (namespace files, execution counts and
 * logs, triggers): those on the flow's branch of the namespace tree — its ancestors (`company`
 * for `company.team`) and its descendants (`company.team.sales`). Kestra's open-source edition
 * checks nothing here; Ferry keeps one team's flows out of another team's namespace.
 */
export function namespaceInScope(flowNamespace: string, target: string): boolean {
  return target === flowNamespace || flowNamespace.startsWith(`${target}.`) || target.startsWith(`${flowNamespace}.`);
}

/** the target namespace, or a 403 UserError naming both namespaces and `what` was asked */
export function assertNamespaceInScope(flowNamespace: string, target: string, what: string): string {
  if (!namespaceInScope(flowNamespace, target)) {
    throw new UserError(`a flow of namespace ${flowNamespace} may not reach the ${what} of namespace ${target} (only its own, its parents' and its children's)`, { status: 403 });
  }
  return target;
}
