import { PurgedError, storageKeyOf, toStorageUri, type Storage } from "@ferry/sdk";

/**
 * JSON documents in internal storage, behind a small LRU cache. Inputs and outputs are
 * written once per key and read many times (every later task reads earlier outputs).
 */
export class JsonStore {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly storage: Storage, private readonly limit = 20_000) {}

  async write(key: string, value: unknown): Promise<string> {
    await this.storage.put(key, JSON.stringify(value));
    const uri = toStorageUri(key);
    this.remember(uri, value);
    return uri;
  }

  /** reads a document; missing bytes are a PurgedError naming the URI */
  async read<T = unknown>(uri: string): Promise<T> {
    if (this.cache.has(uri)) {
      const value = this.cache.get(uri);
      this.cache.delete(uri);
      this.cache.set(uri, value);
      return value as T;
    }
    const bytes = await this.storage.get(storageKeyOf(uri));
    if (!bytes) throw new PurgedError(uri);
    const value = JSON.parse(new TextDecoder().decode(bytes)) as T;
    this.remember(uri, value);
    return value;
  }

  forget(prefixUri: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(prefixUri)) this.cache.delete(key);
  }

  private remember(uri: string, value: unknown) {
    this.cache.set(uri, value);
    if (this.cache.size > this.limit) this.cache.delete(this.cache.keys().next().value!);
  }
}
