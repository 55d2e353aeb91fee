/**
 * The `kestra` variable templates read, from the configuration's `instance` block, as Kestra's
 * RunVariables builds it: `environment` and `url` only when configured, the URL ending in `/`.
 * Process-wide like the render limits: each process (server, worker) sets it once at start,
 * from its own configuration.
 */
let kestraVariable: Record<string, string> | undefined;

export function configureInstance(instance: { environment?: string; url?: string } | undefined): void {
  const variable: Record<string, string> = {};
  if (instance?.environment) variable.environment = instance.environment;
  if (instance?.url) variable.url = instance.url.endsWith("/") ? instance.url : `${instance.url}/`;
  kestraVariable = Object.keys(variable).length ? variable : undefined;
}

/** the `kestra` variable, or undefined when nothing is configured (Kestra then has none either) */
export function instanceVariable(): Record<string, string> | undefined {
  return kestraVariable && { ...kestraVariable };
}
