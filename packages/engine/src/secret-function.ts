import type { Callable } from "@ferry/core";
import { UserError, type SecretBackend } from "@ferry/sdk";

/**
 * `{{ secret('NAME') }}`, resolved by the configured backend for the flow's namespace (the
 * backend looks at parent namespaces too). A missing secret names itself, never a value.
 */
export function secretFunction(backend: SecretBackend, namespace: string): Callable {
  return async (args) => {
    const name = String(args[0] ?? "");
    if (!name) throw new UserError("secret() needs a secret name");
    const value = await backend.get(namespace, name);
    if (value === undefined) throw new UserError(`secret ${name} not found in namespace ${namespace}`);
    return value;
  };
}

/** where no secret may be read (executor-side rendering), say so instead of "unknown function" */
export const secretsOnWorkersOnly: Callable = () => {
  throw new UserError("secret() is resolved where tasks run: flowable properties and flow outputs cannot read secrets");
};

/** connections hold secrets: like secret(), connection() is resolved only where tasks run */
export const connectionsOnWorkersOnly: Callable = () => {
  throw new UserError("connection() is resolved where tasks run: flowable properties, flow outputs and triggers cannot read connections");
};
