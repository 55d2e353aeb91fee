import type { Callable, PluginRegistry } from "@ferry/core";
import { connectionPropertiesOf, UserError, type Connection, type ConnectionRecord, type Repository, type SecretBackend, type TaskDefinition } from "@ferry/sdk";
import { findConnection } from "../connections/connection-lookup.js";
import { resolveConnection } from "../connections/resolve-connection.js";
import type { SecretMasker } from "./secret-masker.js";

/** resolves connection `id` as a flow of its namespace sees it; with `type`, fails unless it is of that type */
export type ConnectionResolver = (id: string, type?: string) => Promise<Connection>;

/** finds the saved connection `id` as a flow of `namespace` sees it (its own, else a parent's) */
export type ConnectionLookup = (namespace: string, id: string) => Promise<ConnectionRecord | undefined>;

/** connections as the repository keeps them; without one, every lookup says so */
export function repositoryConnections(repository: (() => Promise<Repository>) | undefined): ConnectionLookup {
  return async (namespace, id) => {
    if (!repository) throw new UserError(`connection ${id}: this worker has no repository to read connections from`);
    return findConnection(await repository(), namespace, id);
  };
}

/**
 * How a task run reaches connections: found in the flow's namespace or a parent, each secret
 * it refers to resolved now, on the worker, and added to the run's masker before anything can
 * print it. Resolved once per id per run.
 */
export function connectionResolver(lookup: ConnectionLookup, registry: PluginRegistry, secrets: SecretBackend | undefined, namespace: string, masker: SecretMasker): ConnectionResolver {
  const found = new Map<string, Promise<ConnectionRecord>>();
  const resolved = new Map<string, Promise<Connection>>();
  const find = async (id: string) => {
    const record = await lookup(namespace, id);
    if (!record) throw new UserError(`connection ${id} not found in namespace ${namespace} or its parents`);
    return record;
  };
  return async (id, type) => {
    let record = found.get(id);
    if (!record) found.set(id, (record = find(id)));
    // the type first: a connection of another type has none of its secrets read
    const { type: actual, namespace: where } = await record;
    if (type && actual !== type) throw new UserError(`connection ${id} (namespace ${where}) is of type ${actual}, not ${type}`);
    let connection = resolved.get(id);
    if (!connection) resolved.set(id, (connection = record.then((r) => resolveConnection(r, registry, secrets, (value) => masker.add(value)))));
    return connection;
  };
}

/** `{{ connection('main_db') }}`: the connection's values, its secrets resolved (and masked wherever they are printed) */
export function connectionFunction(resolve: ConnectionResolver): Callable {
  return async (args) => {
    const id = args[0];
    if (typeof id !== "string" || !id) throw new UserError("connection() needs a connection id: connection('main_db')");
    return (await resolve(id)).values;
  };
}

/** the task's properties with each connection-typed one's id replaced by the connection, checked to be of the property's type */
export async function withConnections<P>(def: TaskDefinition, props: P, resolve: ConnectionResolver, taskId: string): Promise<P> {
  const properties = connectionPropertiesOf(def.properties);
  if (!Object.keys(properties).length) return props;
  const out = { ...(props as Record<string, unknown>) };
  for (const [property, type] of Object.entries(properties)) {
    const id = out[property];
    if (typeof id !== "string") continue;
    try {
      out[property] = await resolve(id, type);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new UserError(`task '${taskId}': property ${property}: ${error.message}`, { cause: error });
    }
  }
  return out as P;
}
