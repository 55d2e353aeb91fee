import { AesGcm, defineBackend, OperationalError, parseBackendOptions, parseDuration, schema, UnexpectedError, UserError, type Repository, type SecretBackend, type SecretRecord } from "@ferry/sdk";
import { z } from "zod";

/** the secrets section's keys besides `type`; strict, so a typo is refused at start */
export const databaseSecretsOptions = z.strictObject({
  /** 32 bytes, base64; usually `${FERRY_SECRETS_KEY}` from the environment */
  key: schema.aes256Key(),
  /** how long a value read is reused in this process (a write here forgets it at once) */
  cacheTtl: schema.duration().default("PT5S"),
});

/** a stored value every key check decrypts: proves at start that the configured key is the one in use */
const CHECK = { namespace: "", name: "__ferry_key_check__", plaintext: "ferry secrets key check" };
const slot = (namespace: string, name: string) => `${namespace}/${name}`;

/** `company.team` → `company.team`, `company` */
function lineage(namespace: string): string[] {
  const parts = namespace.split(".");
  return parts.map((_, i) => parts.slice(0, parts.length - i).join("."));
}

/**
 * Secrets encrypted with AES-256-GCM under a key from configuration, stored through the
 * repository (SQLite, PostgreSQL or MySQL): the database holds ciphertext only. A secret of
 * `company` is seen from `company.team`; the closest namespace wins. Starting with a key that
 * does not open the stored secrets is refused, never answered with garbage.
 */
export class DatabaseSecretBackend implements SecretBackend {
  private cipher?: AesGcm;
  private readonly cache = new Map<string, { value: string | undefined; until: number }>();

  constructor(private readonly repository: Repository, private readonly key: string, private readonly cacheMs = 0) {}

  async init(): Promise<void> {
    this.cipher = await AesGcm.fromBase64(this.key);
    const check = await this.repository.getSecret(CHECK.namespace, CHECK.name);
    if (!check) {
      await this.repository.saveSecret(await this.seal(CHECK.namespace, CHECK.name, CHECK.plaintext));
      return;
    }
    if ((await this.cipher.open(check.ciphertext, slot(CHECK.namespace, CHECK.name))) !== CHECK.plaintext) {
      throw new UserError("invalid configuration at secrets.key: this key does not decrypt the stored secrets (the key they were saved with is needed; change keys with 'ferry secrets rotate-key')");
    }
  }

  async get(namespace: string, name: string): Promise<string | undefined> {
    const cacheKey = `${namespace}/${name}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await this.read(namespace, name);
    if (this.cacheMs > 0) this.cache.set(cacheKey, { value, until: Date.now() + this.cacheMs });
    return value;
  }

  private async read(namespace: string, name: string): Promise<string | undefined> {
    for (const ns of lineage(namespace)) {
      const record = await this.repository.getSecret(ns, name);
      if (!record) continue;
      const value = await this.aes().open(record.ciphertext, slot(ns, name));
      // the key check passed at start, so a row this key cannot open was tampered with or moved
      if (value === undefined) throw new OperationalError(`secret ${name} of namespace ${ns} cannot be decrypted with the configured key`);
      return value;
    }
    return undefined;
  }

  async list(namespace: string): Promise<string[]> {
    const names = new Set<string>();
    for (const ns of lineage(namespace)) for (const record of await this.repository.listSecrets(ns)) names.add(record.name);
    return [...names].sort();
  }

  async set(namespace: string, name: string, value: string): Promise<void> {
    if (!namespace) throw new UserError("a secret belongs to a namespace");
    await this.repository.saveSecret(await this.seal(namespace, name, value));
    this.cache.clear();
  }

  async delete(namespace: string, name: string): Promise<boolean> {
    this.cache.clear();
    return this.repository.deleteSecret(namespace, name);
  }

  /**
   * Re-encrypts every secret under `newKey` in one transaction: all of them or none. The
   * process's own key stays the old one; restart with the new key afterwards.
   */
  async rotateKey(newKey: string): Promise<number> {
    const next = await AesGcm.fromBase64(newKey, "the new key");
    const records: SecretRecord[] = [];
    for (const record of await this.repository.listSecrets()) {
      const where = slot(record.namespace, record.name);
      const value = await this.aes().open(record.ciphertext, where);
      if (value === undefined) throw new OperationalError(`secret ${record.name} of namespace ${record.namespace || "(key check)"} cannot be decrypted with the current key; nothing was changed`);
      records.push({ ...record, ciphertext: await next.seal(value, where), updated: new Date().toISOString() });
    }
    await this.repository.replaceSecrets(records);
    return records.filter((r) => r.name !== CHECK.name || r.namespace !== CHECK.namespace).length;
  }

  private async seal(namespace: string, name: string, value: string): Promise<SecretRecord> {
    return { namespace, name, ciphertext: await this.aes().seal(value, slot(namespace, name)), updated: new Date().toISOString() };
  }

  private aes(): AesGcm {
    if (!this.cipher) throw new UnexpectedError("the database secret backend is not initialised");
    return this.cipher;
  }
}

/** the factory configuration calls as `(options, baseDir, { repository })` */
function make({ key, cacheTtl }: z.infer<typeof databaseSecretsOptions>, repository: Repository | undefined): DatabaseSecretBackend {
  if (!repository) throw new UserError("invalid configuration at secrets.type: the database secret backend needs the repository");
  return new DatabaseSecretBackend(repository, key, parseDuration(cacheTtl));
}

export const databaseSecretBackend = defineBackend({
  kind: "secrets",
  type: "database",
  description: "secrets encrypted with AES-256-GCM, stored in the configured repository",
  configSchema: databaseSecretsOptions,
  needsRepository: true,
  create: (options, { repository }) => make(options, repository),
});

/** the factory configuration calls as `(options, baseDir, { repository })` */
export function createDatabaseSecretBackend(options: unknown, _baseDir?: string, context: { repository?: Repository } = {}): DatabaseSecretBackend {
  return make(parseBackendOptions(databaseSecretBackend, options), context.repository);
}
