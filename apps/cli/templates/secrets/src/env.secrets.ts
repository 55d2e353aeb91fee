import type { SecretBackend } from "@ferry/sdk";

/**
 * A starting point: secrets from environment variables named `<prefix><NAME>`, in plain text,
 * seen by every namespace, passing the secret-backend contract suite (src/env.secrets.test.ts).
 * Replace `get` and `list` with your secret store's calls, keeping what the SecretBackend
 * interface asks (node_modules/@ferry/sdk/dist/secret-backend.d.ts): the closest namespace
 * wins, a missing secret is undefined, names only in lists, never a value in a message.
 * Add `set` and `delete` if your store is writable (`ferry secrets set` then works).
 */
export class AcmeSecretBackend implements SecretBackend {
  constructor(private readonly prefix: string, private readonly env: Record<string, string | undefined> = process.env) {}

  async get(_namespace: string, name: string): Promise<string | undefined> {
    return this.env[`${this.prefix}${name}`];
  }

  async list(_namespace: string): Promise<string[]> {
    return Object.keys(this.env)
      .filter((key) => key.startsWith(this.prefix) && this.env[key] !== undefined)
      .map((key) => key.slice(this.prefix.length))
      .sort();
  }
}
