import { LRUCache } from "lru-cache";
import { parseJson, PurgedError, storageKeyOf, stringifyJson, toStorageUri, type Storage } from "@ferry/sdk";

/** what the cache keeps at most: documents, and characters of their JSON in all (a few large outputs must not fill the memory) */
export interface JsonStoreLimits {
  entries: number;
  chars: number;
  /** besides those, documents written by this process and not read since (default: 1,000, or `entries` when fewer) */
  written?: number;
}

const DEFAULT_LIMITS: JsonStoreLimits = { entries: 20_000, chars: 64 * 1024 * 1024 };

/**
 * JSON documents in internal storage, behind an LRU cache bounded in count and in size.
 * Inputs and outputs are written once per key and read many times (later tasks read the
 * earlier outputs they name); a document larger than an eighth of the budget is not kept.
 * Written and read as Jackson would: a whole Double keeps its `.0` (java-double.ts).
 *
 * What this process writes is kept apart, in a small LRU of its own, until a read moves it
 * into the main one: a read of a document just written (the next task's `outputs.x`, a plan)
 * comes within a few events, and most outputs are never read here (a ForEach over 100,000
 * Return tasks filled the main cache with 20,000 of them, ~6 MB held: issue #18.1, Round 10).
 */
export class JsonStore {
  // values are boxed: a document may be null, which the cache cannot hold as a value
  private readonly cache: LRUCache<string, { value: unknown }>;
  /** written here and not read since: the most recent only */
  private readonly written: LRUCache<string, { value: unknown; size: number }>;

  constructor(readonly storage: Storage, limits: JsonStoreLimits = DEFAULT_LIMITS) {
    const maxEntrySize = Math.max(1, Math.floor(limits.chars / 8));
    this.cache = new LRUCache({ max: limits.entries, maxSize: limits.chars, maxEntrySize });
    // in characters at most one large document's worth: what was written is on storage anyway
    this.written = new LRUCache({ max: Math.max(1, limits.written ?? Math.min(limits.entries, 1_000)), maxSize: maxEntrySize });
  }

  /** `key` is read only through the URI this returns (a document of a new execution or attempt): a fresh put (PutOptions.fresh) */
  async write(key: string, value: unknown): Promise<string> {
    const text = stringifyJson(value);
    await this.storage.put(key, text, { fresh: true });
    const uri = toStorageUri(key);
    // JSON.stringify(undefined) is no text: nothing was stored that a read could find
    const size = Math.max(1, text.length || 1);
    // a key written again (a restart's outputs) must not answer its earlier value from the read cache
    this.cache.delete(uri);
    this.written.set(uri, { value, size }, { size });
    return uri;
  }

  /** reads a document; missing bytes are a PurgedError naming the URI */
  async read<T = unknown>(uri: string): Promise<T> {
    const cached = this.cache.get(uri);
    if (cached) return cached.value as T;
    const written = this.written.get(uri);
    if (written) {
      // read once, likely read again (a plan at each event, an output several tasks name)
      this.written.delete(uri);
      this.remember(uri, written.value, written.size);
      return written.value as T;
    }
    const bytes = await this.storage.get(storageKeyOf(uri));
    if (!bytes) throw new PurgedError(uri);
    const value = parseJson(new TextDecoder().decode(bytes)) as T;
    this.remember(uri, value, bytes.length);
    return value;
  }

  /**
   * Drops what the caches hold under any of these folders (each ending in '/': a purged execution's), or at any of
   * these documents' URIs. One pass
   * over the caches for all of them — a retention purge forgets executions in batches, and a pass per execution
   * cost the whole cache's keys each (100,000 purged × 21,000 keys).
   */
  forget(prefixUris: string | Iterable<string>): void {
    const prefixes = new Set(typeof prefixUris === "string" ? [prefixUris] : prefixUris);
    if (!prefixes.size) return;
    const under = (key: string) => {
      if (prefixes.has(key)) return true;
      for (let slash = key.indexOf("/"); slash >= 0; slash = key.indexOf("/", slash + 1)) if (prefixes.has(key.slice(0, slash + 1))) return true;
      return false;
    };
    for (const cache of [this.cache, this.written]) for (const key of [...cache.keys()]) if (under(key)) cache.delete(key);
  }

  private remember(uri: string, value: unknown, size: number) {
    // JSON.stringify(undefined) is no text: nothing was stored that a read could find
    this.cache.set(uri, { value }, { size: Math.max(1, size || 1) });
  }
}
