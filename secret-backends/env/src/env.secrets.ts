import type { SecretBackend } from "@ferry/sdk";

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

/** the factory configuration calls as `(options, baseDir)`: secrets come from this process's environment */
export function createEnvSecretBackend(_options?: unknown, _baseDir?: string): EnvSecretBackend {
  return new EnvSecretBackend(process.env);
}
