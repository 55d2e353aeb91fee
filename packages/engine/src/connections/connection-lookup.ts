import type { ConnectionRecord, Repository } from "@ferry/sdk";

/** the namespace, then its parents, nearest first: `a.b.c`, `a.b`, `a` */
export function namespaceLineage(namespace: string): string[] {
  const parts = namespace.split(".");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("."));
}

/**
 * The connection `id` as a flow of `namespace` sees it: its namespace's own, else the nearest
 * parent's (as KV and secrets are inherited). A child's connection hides a parent's of one id.
 */
export async function findConnection(repository: Repository, namespace: string, id: string): Promise<ConnectionRecord | undefined> {
  for (const candidate of namespaceLineage(namespace)) {
    const found = await repository.getConnection(candidate, id);
    if (found) return found;
  }
  return undefined;
}
