import { LRUCache } from "lru-cache";
import { parseJson, PurgedError, storageKeyOf, stringifyJson, toStorageUri, type Storage } from "@ferry/sdk";

/** what the cache keeps at most: documents, and characters of their JSON in all (a few large outputs must not fill the memory) */
export interface JsonStoreLimits {
  entries: number;
  chars: number;
}

const DEFAULT_LIMITS: JsonStoreLimits = { entries: 20_000, chars: 64 * 1024 * 1024 };

/**
 * JSON documents in internal storage, behind an LRU cache bounded in count and in size.
 * Inputs and outputs are written once per key and read many times (later tasks read the
 * earlier outputs they name); a document larger than an eighth of the budget is not kept.
 * Written and read as Jackson would: a whole Double keeps its `.0` (java-double.ts).
 */
export class JsonStore {
  // values are boxed: a document may be null, which the cache cannot hold as a value
  private readonly cache: LRUCache<string, { value: unknown }>;

  constructor(readonly storage: Storage, limits: JsonStoreLimits = DEFAULT_LIMITS) {
    this.cache = new LRUCache({ max: limits.entries, maxSize: limits.chars, maxEntrySize: Math.max(1, Math.floor(limits.chars / 8)) });
  }

  /** `key` is read only through the URI this returns (a document of a new execution or attempt): a fresh put (PutOptions.fresh) */
  async write(key: string, value: unknown): Promise<string> {
    const text = stringifyJson(value);
    await this.storage.put(key, text, { fresh: true });
    const uri = toStorageUri(key);
    this.remember(uri, value, text.length);
    return uri;
  }

  /** reads a document; missing bytes are a PurgedError naming the URI */
  async read<T = unknown>(uri: string): Promise<T> {
    const cached = this.cache.get(uri);
    if (cached) return cached.value as T;
    const bytes = await this.storage.get(storageKeyOf(uri));
    if (!bytes) throw new PurgedError(uri);
    const value = parseJson(new TextDecoder().decode(bytes)) as T;
    this.remember(uri, value, bytes.length);
    return value;
  }

  forget(prefixUri: string): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefixUri)) this.cache.delete(key);
  }

  private remember(uri: string, value: unknown, size: number) {
    // JSON.stringify(undefined) is no text: nothing was stored that a read could find
    this.cache.set(uri, { value }, { size: Math.max(1, size || 1) });
  }
}
