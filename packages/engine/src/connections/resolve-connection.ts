import type { PluginRegistry } from "@ferry/core";
import { secretReferenceOf, UserError, type Connection, type ConnectionRecord, type SecretBackend } from "@ferry/sdk";
import { describeIssue } from "./connection-input.js";

/**
 * A stored connection made usable: each `{{ secret('NAME') }}` reference replaced by the secret's
 * value (looked up from the connection's own namespace, where it was checked when saved), handed
 * to `onSecret` first so the run masks it, then the whole checked against its type's schema.
 * Everything that can be wrong fails naming the connection and what: an unknown type, a missing
 * secret with its namespace, a field the schema refuses.
 */
export async function resolveConnection(
  record: ConnectionRecord, registry: PluginRegistry, secrets: SecretBackend | undefined, onSecret: (value: string) => void,
): Promise<Connection> {
  const where = `connection ${record.id} of namespace ${record.namespace}`;
  const type = registry.connectionType(record.type);
  if (!type) throw new UserError(`${where}: ${registry.unknownConnectionTypeMessage(record.type)}`);
  const resolve = async (value: unknown): Promise<unknown> => {
    const name = secretReferenceOf(value);
    if (name) {
      const secret = secrets ? await secrets.get(record.namespace, name) : undefined;
      if (secret === undefined) throw new UserError(`${where}: secret ${name} not found in namespace ${record.namespace}`);
      onSecret(secret);
      return secret;
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (value && typeof value === "object") return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolve(v)])));
    return value;
  };
  const values = (await resolve(record.values)) as Record<string, unknown>;
  const parsed = type.schema.safeParse(values);
  if (!parsed.success) throw new UserError(`${where} (${type.type}): ${describeIssue(values, parsed.error.issues[0]!)}`);
  return { id: record.id, type: record.type, namespace: record.namespace, values: parsed.data as Record<string, unknown> };
}
