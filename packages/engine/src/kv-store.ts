import {
  ConflictError, isCalendarDate, isDuration, KV_TYPES, MAX_STORAGE_SEGMENT_BYTES, namespacePath, newId, parseDuration, storageKeyOf, toStorageUri, UserError, type KvRecord, type KvType, type Repository,
  type Storage,
} from "@ferry/sdk";

/** ASCII letters, digits and `-_.`; at most MAX_STORAGE_SEGMENT_BYTES, as the key names a file in storage */
const KEY = /^[A-Za-z0-9_.-]+$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LATEST_EXPIRY = Date.parse("9999-12-31T23:59:59.999Z");
/**
 * How many times a write re-reads a key that another writer changed between its read and its
 * compare-and-set. Each round lets one writer through, so 20 concurrent writers of one key
 * need at most 20; past this, a 409 asks the caller to retry.
 */
const WRITE_ATTEMPTS = 60;
/** how many times a read follows a key whose value was replaced between reading its metadata and its bytes */
const READ_ATTEMPTS = 5;

export function assertKvKey(key: string): string {
  if (!KEY.test(key)) throw new UserError(`'${key.slice(0, 100)}' is not a KV key: ASCII letters, digits and '-', '_', '.' only`, { status: 400 });
  if (key.length > MAX_STORAGE_SEGMENT_BYTES) throw new UserError(`KV key too long: ${key.length} characters, at most ${MAX_STORAGE_SEGMENT_BYTES}`, { status: 400 });
  return key;
}

/** the type a JSON value has, as the KV API infers it (Kestra's rules) */
export function inferKvType(value: unknown): KvType {
  if (typeof value === "number") return "NUMBER";
  if (typeof value === "boolean") return "BOOLEAN";
  if (typeof value === "string") {
    if (DATETIME.test(value) && isCalendarDate(value) && !Number.isNaN(Date.parse(value))) return "DATETIME";
    if (DATE.test(value) && isCalendarDate(value)) return "DATE";
    if (/^P/.test(value) && isDuration(value)) return "DURATION";
    return "STRING";
  }
  return "JSON";
}

/** the value checked against its declared type (422 naming both when they disagree) */
export function checkKvValue(type: KvType, value: unknown): unknown {
  const bad = () => new UserError(`KV value ${JSON.stringify(value)?.slice(0, 80)} is not a ${type}`, { status: 422 });
  switch (type) {
    case "STRING":
      if (typeof value !== "string") throw bad();
      return value;
    case "NUMBER": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) throw bad();
      return n;
    }
    case "BOOLEAN":
      if (value === "true" || value === "false") return value === "true";
      if (typeof value !== "boolean") throw bad();
      return value;
    case "DATETIME":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value)) || !DATETIME.test(value) || !isCalendarDate(value)) throw bad();
      // as Kestra's Instant reads back (Instant.toString: no fraction when it is zero; SetTest.typeSpecified)
      return new Date(value).toISOString().replace(/\.000Z$/, "Z");
    case "DATE":
      if (typeof value !== "string" || !DATE.test(value) || !isCalendarDate(value)) throw bad();
      return value;
    case "DURATION":
      if (typeof value !== "string" || !isDuration(value)) throw bad();
      return value;
    case "JSON":
      if (typeof value === "string") {
        try {
          return JSON.parse(value);
        } catch {
          throw bad();
        }
      }
      return value;
  }
}

/**
 * The KV store: pairs bound to a namespace, each value in internal storage and its metadata
 * (type, URI, expiration, dates) in the repository. An expired pair is invisible and purged
 * when met. The repository is asked for lazily: a worker connects to it only when a task uses KV.
 *
 * Every version of a value has its own storage key, `<namespace>/_kv/@versions/<key>/<id>`
 * (`@` is not a key character, so this never meets a key of the first layout, `_kv/<key>`).
 * A write puts its bytes first, then swaps the metadata to them with a compare-and-set on the
 * URI it read, then removes the bytes it replaced: a reader never finds metadata pointing at
 * bytes half-written or gone, and of concurrent writers each either lands or re-reads and
 * tries again on top of the one that did, so none is lost and none fails on the race.
 */
export class KvStore {
  constructor(private readonly repository: () => Promise<Repository>, private readonly storage: Storage, private readonly now = () => new Date()) {}

  /** `keepExpiry`: without a `ttl`, the pair keeps the expiry it had (kv.Put), rather than losing it */
  async set(namespace: string, key: string, value: unknown, options: { type?: KvType; ttl?: string; overwrite?: boolean; keepExpiry?: boolean } = {}): Promise<KvRecord> {
    assertKvKey(key);
    if (options.type && !KV_TYPES.includes(options.type)) throw new UserError(`unknown KV type '${options.type}' (one of ${KV_TYPES.join(", ")})`, { status: 400 });
    const type = options.type ?? inferKvType(value);
    const checked = checkKvValue(type, value);
    const expires = options.ttl ? this.expiry(options.ttl) : undefined;
    const repository = await this.repository();
    const storageKey = `${namespacePath(namespace)}/_kv/@versions/${key}/${newId()}`;
    let written = false;
    try {
      for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
        const existing = await this.live(repository, namespace, key);
        if (existing && options.overwrite === false) throw new UserError(`Cannot set value for key '${key}'. Key already exists and \`overwrite\` is set to \`false\`.`, { status: 409 });
        if (!written) {
          await this.storage.put(storageKey, JSON.stringify(checked));
          written = true;
        }
        const now = this.now().toISOString();
        const record: KvRecord = { namespace, key, type, valueUri: toStorageUri(storageKey), created: existing?.created ?? now, updated: now, expires: expires ?? (options.keepExpiry ? existing?.expires : undefined) };
        if (await repository.saveKv(record, { ifValueUri: existing?.valueUri ?? null })) {
          if (existing) await this.storage.delete(storageKeyOf(existing.valueUri)).catch(() => false);
          written = false;
          return record;
        }
        // another write to this key came between our read and our save: read what it left, go again
      }
      throw new ConflictError(`KV key ${key} in namespace ${namespace} is being written by too many writers at once; retry`);
    } finally {
      // our bytes stay only if the metadata points at them
      if (written) await this.storage.delete(storageKey).catch(() => false);
    }
  }

  /** when a pair set now with this ttl expires (400 for a ttl that is not a duration or ends past year 9999) */
  private expiry(ttl: string): string {
    if (!isDuration(ttl)) throw new UserError(`KV ttl '${ttl.slice(0, 100)}' is not an ISO-8601 duration (PT1H, P1D…)`, { status: 400 });
    const ms = parseDuration(ttl);
    if (ms <= 0) throw new UserError(`KV ttl '${ttl.slice(0, 100)}' must be longer than zero`, { status: 400 });
    const at = this.now().getTime() + ms;
    if (!Number.isFinite(at) || at > LATEST_EXPIRY) throw new UserError(`KV ttl '${ttl}' is out of range: it would expire after 9999-12-31`, { status: 400 });
    return new Date(at).toISOString();
  }

  async get(namespace: string, key: string): Promise<{ type: KvType; value: unknown } | undefined> {
    assertKvKey(key);
    const repository = await this.repository();
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      const record = await this.live(repository, namespace, key);
      if (!record) return undefined;
      const bytes = await this.storage.get(storageKeyOf(record.valueUri));
      if (bytes) return { type: record.type, value: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
      // a write may have replaced the value (and removed these bytes) since we read its metadata
      if ((await repository.getKv(namespace, key))?.valueUri === record.valueUri) return undefined;
    }
    return undefined;
  }

  async list(namespace: string, prefix = ""): Promise<KvRecord[]> {
    const repository = await this.repository();
    const records = await repository.listKv(namespace, prefix);
    const live: KvRecord[] = [];
    for (const record of records) if ((await this.purgeIfExpired(repository, record)) === false) live.push(record);
    return live;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    assertKvKey(key);
    const repository = await this.repository();
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const record = await this.live(repository, namespace, key);
      if (!record) return false;
      // only the value we read: one written since stays until a delete has seen it
      if (await this.remove(repository, record)) return true;
    }
    throw new ConflictError(`KV key ${key} in namespace ${namespace} is being written by too many writers at once; retry`);
  }

  /** removes the namespace's pairs whose key matches (only expired ones with `expiredOnly`); returns how many */
  async purge(namespace: string, matches: (key: string) => boolean, expiredOnly: boolean): Promise<number> {
    const repository = await this.repository();
    let removed = 0;
    for (const record of await repository.listKv(namespace)) {
      if (!matches(record.key)) continue;
      if (await this.purgeIfExpired(repository, record)) removed++;
      else if (!expiredOnly && (await this.remove(repository, record))) removed++;
    }
    return removed;
  }

  private async live(repository: Repository, namespace: string, key: string): Promise<KvRecord | undefined> {
    const record = await repository.getKv(namespace, key);
    return record && !(await this.purgeIfExpired(repository, record)) ? record : undefined;
  }

  /** true (and gone) when the pair has expired; a value written since is not touched */
  private async purgeIfExpired(repository: Repository, record: KvRecord): Promise<boolean> {
    if (!record.expires || Date.parse(record.expires) > this.now().getTime()) return false;
    await this.remove(repository, record);
    return true;
  }

  /** removes the pair's metadata if it still points at this record's value, then the value; false when it was replaced meanwhile */
  private async remove(repository: Repository, record: KvRecord): Promise<boolean> {
    if (!(await repository.deleteKv(record.namespace, record.key, { ifValueUri: record.valueUri }))) return false;
    await this.storage.delete(storageKeyOf(record.valueUri)).catch(() => false);
    return true;
  }
}
