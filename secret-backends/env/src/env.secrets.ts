import { defineBackend, parseBackendOptions, z, type SecretBackend } from "@ferry/sdk";

/**
 * Secrets from the environment, as Kestra's open-source edition reads them:
 * `SECRET_<NAME>` holds the value base64-encoded. Env secrets are global: every
 * namespace sees them. Read-only.
 */
export class EnvSecretBackend implements SecretBackend {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async get(_namespace: string, name: string): Promise<string | undefined> {
    const raw = this.env[`SECRET_${name}`];
    if (raw === undefined) return undefined;
    return new TextDecoder().decode(Uint8Array.from(atob(raw.trim()), (c) => c.charCodeAt(0)));
  }

  async list(_namespace: string): Promise<string[]> {
    return Object.keys(this.env)
      .filter((k) => k.startsWith("SECRET_") && this.env[k] !== undefined)
      .map((k) => k.slice("SECRET_".length))
      .sort();
  }
}

export const envSecretBackend = defineBackend({
  kind: "secrets",
  type: "env",
  description: "SECRET_<NAME> environment variables of this process, base64-encoded (Kestra's convention)",
  // no options: a key here would be ignored, so it is refused
  configSchema: z.strictObject({}),
  create: () => new EnvSecretBackend(process.env),
});

/** secrets from this process's environment; `options` is the configuration section, checked like configuration checks it */
export function createEnvSecretBackend(options?: unknown, _baseDir?: string): EnvSecretBackend {
  parseBackendOptions(envSecretBackend, options ?? {});
  return new EnvSecretBackend(process.env);
}
