import { defineBackend, parseBackendOptions, z, type SecretBackend } from "@ferry/sdk";

const PREFIX = "SECRET_";

/**
 * Secrets from the environment, as Kestra's open-source edition reads them (its
 * SecretService): `SECRET_<NAME>` holds the value base64-encoded, line breaks ignored, and
 * names are upper-cased on both sides, so `secret('my_secret')` reads `SECRET_MY_SECRET`.
 * Env secrets are global: every namespace sees them. Read-only.
 */
export class EnvSecretBackend implements SecretBackend {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async get(_namespace: string, name: string): Promise<string | undefined> {
    const raw = this.raw(name.toUpperCase());
    if (raw === undefined) return undefined;
    return new TextDecoder().decode(Uint8Array.from(atob(raw.replace(/\r\n|[\n\r\u2028\u2029\u0085\v\f]/g, "").trim()), (c) => c.charCodeAt(0)));
  }

  async list(_namespace: string): Promise<string[]> {
    const names = Object.keys(this.env)
      .filter((k) => k.startsWith(PREFIX) && this.env[k] !== undefined)
      .map((k) => k.slice(PREFIX.length).toUpperCase());
    return [...new Set(names)].sort();
  }

  // `SECRET_<NAME>` as written, else a variable whose name upper-cases to it (`SECRET_my_secret`)
  private raw(upper: string): string | undefined {
    const exact = this.env[PREFIX + upper];
    if (exact !== undefined) return exact;
    for (const [key, value] of Object.entries(this.env)) if (value !== undefined && key.startsWith(PREFIX) && key.slice(PREFIX.length).toUpperCase() === upper) return value;
    return undefined;
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
