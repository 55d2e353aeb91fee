/*
 * Where Kestra's state store keeps a state (io.kestra.core.storages.StateStore, since 0.18):
 * in the namespace's KV store, under `<flow slug>_states_tasks-states_<name>[_<hash of
 * taskrun.value>]`, or without the flow slug when the state is shared by the namespace.
 */

/** Kestra's Slugify: lower case, runs of anything but letters and digits as one '-', no '-' at either end */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** the KV key prefix of one flow's states */
export const statePrefix = (flowId: string) => `${slugify(flowId)}_states_`;

async function hash(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** the KV key of a state: flow-scoped unless `namespaceScoped`; per iteration value when one is given */
export async function stateKey(options: { flowId: string; name: string; namespaceScoped: boolean; taskrunValue?: string }): Promise<string> {
  const base = `${options.namespaceScoped ? "" : statePrefix(options.flowId)}${options.namespaceScoped ? "states_" : ""}tasks-states_${options.name}`;
  return options.taskrunValue === undefined ? base : `${base}_${await hash(options.taskrunValue)}`;
}
