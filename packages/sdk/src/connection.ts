import { z } from "zod";

/**
 * A connection type, declared by a plugin beside its tasks (Windmill's resource types, n8n's
 * credential types): what a connection of this type holds, which of its fields are secret, and
 * how to check that one opens.
 *
 * Invariants Ferry keeps for every type:
 * - A secret field is stored only as a `{{ secret('NAME') }}` reference, never as a value; the
 *   value is resolved where the connection is used (a worker, or the server's `test`), and
 *   masked like any secret in logs and outputs.
 * - `schema` is checked when a connection is saved (fields given by a secret reference are
 *   checked once resolved) and again, whole, when a task uses it.
 *
 * Left out on purpose: connections holding templates other than secret references (their
 * values are data, Principle 6), and per-task overrides of a connection's fields.
 */
export interface ConnectionTypeDefinition<V = any> {
  /** stable type name, `<plugin>.<name>` or a short word (`postgres`, `http`) */
  type: string;
  title: string;
  description?: string;
  /** the connection's values, resolved */
  schema: z.ZodType<V>;
  /** fields that must be given as `{{ secret('NAME') }}` references */
  secretFields: string[];
  /** opens the connection once and closes it; throws (a UserError naming what failed) when it cannot */
  test?(values: V, options: { signal: AbortSignal }): Promise<void>;
}

export function defineConnectionType<V>(definition: ConnectionTypeDefinition<V>): ConnectionTypeDefinition<V> {
  return definition;
}

/** A connection as a task receives it: its values resolved, secrets included. */
export interface Connection<V = Record<string, unknown>> {
  id: string;
  type: string;
  /** the namespace that defines it (the flow's own, or a parent) */
  namespace: string;
  values: V;
}

const connectionTypes = z.registry<{ connectionType: string }>();

function isConnection(value: unknown): value is Connection {
  if (!value || typeof value !== "object") return false;
  const c = value as Record<string, unknown>;
  return typeof c.id === "string" && typeof c.type === "string" && typeof c.namespace === "string" && !!c.values && typeof c.values === "object";
}

/**
 * A task property that names a connection of `type` (`connection: main_db`). At deploy it is
 * the connection's id; the worker hands the task the connection itself, its values resolved
 * and checked against the type's schema (`props.connection.values.host`).
 */
export function connectionProperty<V = Record<string, unknown>>(type: string) {
  const property = z
    .custom<Connection<V>>((value) => (typeof value === "string" && value.trim() !== "") || isConnection(value), { error: `expected the id of a connection of type ${type}` })
    // what editors see in the flow JSON Schema: flows write the id
    .meta({ type: "string", minLength: 1, description: `the id of a connection of type ${type} (the flow's namespace's, or a parent's)` });
  connectionTypes.add(property, { connectionType: type });
  return property;
}

/** the connection type a task property schema names (through optional/default wrappers), if any */
export function connectionTypeOf(property: unknown): string | undefined {
  let schema = property as z.ZodType | undefined;
  for (let depth = 0; schema && depth < 8; depth++) {
    const found = connectionTypes.get(schema);
    if (found) return found.connectionType;
    const inner = (schema as { def?: { innerType?: z.ZodType; in?: z.ZodType } }).def;
    schema = inner?.innerType ?? inner?.in;
  }
  return undefined;
}

/** the connection-typed properties of a task's properties schema: property name → connection type */
export function connectionPropertiesOf(properties: z.ZodType): Record<string, string> {
  const shape = (properties as { shape?: Record<string, z.ZodType> }).shape;
  const found: Record<string, string> = {};
  for (const [key, schema] of Object.entries(shape ?? {})) {
    const type = connectionTypeOf(schema);
    if (type) found[key] = type;
  }
  return found;
}

// `{{ secret('NAME') }}` alone, quotes single or double, any spaces inside the braces
const SECRET_REFERENCE = /^\{\{\s*secret\(\s*(?:'([^']+)'|"([^"]+)")\s*\)\s*\}\}$/;

/** the secret a connection value refers to (`{{ secret('DB_PASSWORD') }}` → DB_PASSWORD), if it is such a reference */
export function secretReferenceOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = SECRET_REFERENCE.exec(value.trim());
  return match ? (match[1] ?? match[2]) : undefined;
}
