import { formatPath, type PluginRegistry } from "@ferry/core";
import { secretReferenceOf, UserError, type ConnectionRecord, type ConnectionTypeDefinition, type SecretBackend } from "@ferry/sdk";

/** a connection id: what a flow writes after `connection:` (letters, digits, '_', '-', '.') */
const CONNECTION_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MAX_ID_LENGTH = 255;

/** what a client gives to save a connection */
export interface ConnectionInput {
  type: string;
  values: Record<string, unknown>;
  description?: string;
}

export function assertConnectionId(id: string): string {
  if (id.length > MAX_ID_LENGTH) throw new UserError(`connection id too long: ${id.length} characters, at most ${MAX_ID_LENGTH}`, { status: 400 });
  if (!CONNECTION_ID.test(id)) throw new UserError(`'${id}' is not a connection id (letters, digits, '_', '-', '.')`, { status: 400 });
  return id;
}

/** the body of a save: `{type, values, description?}` and nothing else, or 400 naming what is wrong */
export function parseConnectionInput(body: unknown): ConnectionInput {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new UserError("the body must be a JSON object {type, values, description?}", { status: 400 });
  const { type, values, description, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new UserError(`unknown field ${unknown.map((k) => `'${k.slice(0, 60)}'`).join(", ")}: a connection has type, values and description`, { status: 400 });
  if (typeof type !== "string" || !type) throw new UserError("type is required: the connection type's name (postgres, http, …)", { status: 400 });
  if (!values || typeof values !== "object" || Array.isArray(values)) throw new UserError("values is required: an object of the connection's fields", { status: 400 });
  if (description !== undefined && description !== null && typeof description !== "string") throw new UserError("description must be a string", { status: 400 });
  return { type, values: values as Record<string, unknown>, ...(typeof description === "string" ? { description } : {}) };
}

/** every secret a value refers to, with the path of the field that holds it */
export function secretReferences(values: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; name: string }> {
  const name = secretReferenceOf(values);
  if (name) return [{ path, name }];
  if (Array.isArray(values)) return values.flatMap((v, i) => secretReferences(v, [...path, i]));
  if (values && typeof values === "object") return Object.entries(values).flatMap(([k, v]) => secretReferences(v, [...path, k]));
  return [];
}

/** strings holding a template that is not a whole secret reference: connections render nothing else */
function otherTemplates(values: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof values === "string") return values.includes("{{") && !secretReferenceOf(values) ? [path] : [];
  if (Array.isArray(values)) return values.flatMap((v, i) => otherTemplates(v, [...path, i]));
  if (values && typeof values === "object") return Object.entries(values).flatMap(([k, v]) => otherTemplates(v, [...path, k]));
  return [];
}

/**
 * Checks a connection before it is saved, answering 422 naming the first problem: an unknown
 * type, a secret field given as a value rather than a reference, a template other than
 * `{{ secret('NAME') }}`, a secret the namespace cannot see, or values the type's schema refuses
 * (fields given by a reference are checked once resolved, where the connection is used).
 */
export async function checkConnection(
  registry: PluginRegistry, secrets: SecretBackend | undefined, namespace: string, id: string, input: ConnectionInput,
): Promise<ConnectionTypeDefinition> {
  const type = registry.connectionType(input.type);
  if (!type) throw new UserError(registry.unknownConnectionTypeMessage(input.type));
  const where = `connection ${id} (${type.type})`;
  for (const field of type.secretFields) {
    const value = input.values[field];
    if (value !== undefined && !secretReferenceOf(value)) {
      throw new UserError(`${where}: values.${field} is a secret field: give it as {{ secret('NAME') }}, never as a value`);
    }
  }
  const templated = otherTemplates(input.values);
  if (templated.length) throw new UserError(`${where}: values.${formatPath(templated[0]!)}: a connection takes only {{ secret('NAME') }} references, no other template`);
  const references = secretReferences(input.values);
  for (const reference of references) {
    const found = secrets ? await secrets.get(namespace, reference.name) : undefined;
    if (found === undefined) throw new UserError(`${where}: values.${formatPath(reference.path)}: secret ${reference.name} not found in namespace ${namespace}`);
  }
  const referenced = new Set(references.map((r) => String(r.path[0])));
  const parsed = type.schema.safeParse(input.values);
  const issue = parsed.success ? undefined : parsed.error.issues.find((i) => !referenced.has(String(i.path[0])));
  if (issue) throw new UserError(`${where}: ${describeIssue(input.values, issue)}`);
  return type;
}

/** a schema issue in words naming the field; a missing field says it is required */
export function describeIssue(values: Record<string, unknown>, issue: { path: PropertyKey[]; message: string; code?: string; keys?: string[] }): string {
  const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  if (issue.code === "unrecognized_keys" && issue.keys?.length) return `unknown field ${issue.keys.map((k) => `values.${formatPath([...path, k])}`).join(", ")}`;
  const field = path.length ? `values.${formatPath(path)}` : "values";
  const missing = path.length > 0 && valueAt(values, path) === undefined;
  return missing ? `${field} is required` : `${field}: ${issue.message}`;
}

function valueAt(values: unknown, path: Array<string | number>): unknown {
  let at = values;
  for (const part of path) at = at && typeof at === "object" ? (at as Record<string | number, unknown>)[part] : undefined;
  return at;
}

/** a connection as the API and CLI show it: its secret fields `******`, whatever they hold */
export function shownConnection(record: ConnectionRecord, type: ConnectionTypeDefinition | undefined) {
  const values = { ...record.values };
  // an unknown type (its plugin unloaded) hides every reference: which fields are secret is not known
  for (const [field, value] of Object.entries(values)) {
    if (type ? type.secretFields.includes(field) : secretReferences(value).length) values[field] = "******";
  }
  return {
    namespace: record.namespace, id: record.id, type: record.type, values, description: record.description ?? null, creationDate: record.created, updateDate: record.updated,
  };
}
