/**
 * The `kestra` variable templates read, from the configuration's `instance` block, as Kestra's
 * RunVariables builds it: `environment` and `url` only when configured, the URL ending in `/`.
 * Process-wide like the render limits: each process (server, worker) sets it once at start,
 * from its own configuration.
 */
let kestraVariable: Record<string, string> | undefined;
let globalsVariable: Record<string, unknown> = {};

/** `globals`: the configuration's variables.globals (Kestra's kestra.variables.globals), an empty map when none */
export function configureInstance(instance: { environment?: string; url?: string } | undefined, globals: Record<string, unknown> = {}): void {
  globalsVariable = deepFreeze(structuredClone(globals));
  const variable: Record<string, string> = {};
  if (instance?.environment) variable.environment = instance.environment;
  if (instance?.url) variable.url = instance.url.endsWith("/") ? instance.url : `${instance.url}/`;
  kestraVariable = Object.keys(variable).length ? variable : undefined;
}

/** the `kestra` variable, or undefined when nothing is configured (Kestra then has none either) */
export function instanceVariable(): Record<string, string> | undefined {
  return kestraVariable && { ...kestraVariable };
}

/** the `globals` variable: always there, as Kestra's RunContext puts it, empty when nothing is configured (frozen: shared by every render) */
export function globalVariables(): Record<string, unknown> {
  return globalsVariable;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
