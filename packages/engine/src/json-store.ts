import { LRUCache } from "lru-cache";
import { parseJson, PurgedError, storageKeyOf, stringifyJson, toStorageUri, type Storage } from "@ferry/sdk";

/**
 * The longest document text another process is handed beside its URI (JsonStore.textOf,
 * prime): a job's inputs and trigger, a result's outputs. Longer ones are read from storage.
 */
export const INLINE_TEXT_MAX = 4096;

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
  private readonly cache: LRUCache<string, { value: unknown; text?: string }>;
  /** written here and not read since: the most recent only */
  private readonly written: LRUCache<string, { value: unknown; size: number; text?: string }>;
  /**
   * texts of documents another process wrote and handed over with their URIs (prime), parsed
   * at their first read: a standalone worker is given a job's inputs and trigger, the scheduler
   * a result's outputs, which each read from storage before (a file's open, stat, read, close)
   */
  private readonly primed = new LRUCache<string, string>({ max: 1_000 });

  constructor(readonly storage: Storage, limits: JsonStoreLimits = DEFAULT_LIMITS) {
    const maxEntrySize = Math.max(1, Math.floor(limits.chars / 8));
    this.cache = new LRUCache({ max: limits.entries, maxSize: limits.chars, maxEntrySize });
    // in characters at most one large document's worth: what was written is on storage anyway
    this.written = new LRUCache({ max: Math.max(1, limits.written ?? Math.min(limits.entries, 1_000)), maxSize: maxEntrySize });
  }

  /** `key` is read only through the URI this returns (a document of a new execution or attempt): a fresh put (PutOptions.fresh) */
  async write(key: string, value: unknown): Promise<string> {
    return this.writeText(key, stringifyJson(value), value);
  }

  /** write() of a value whose JSON text the caller has already made (stringifyJson(value)), so it is not made twice */
  async writeText(key: string, text: string, value: unknown): Promise<string> {
    await this.storage.put(key, text, { fresh: true });
    const uri = toStorageUri(key);
    // JSON.stringify(undefined) is no text: nothing was stored that a read could find
    const size = Math.max(1, text.length || 1);
    // a key written again (a restart's outputs) must not answer its earlier value from the read cache
    this.cache.delete(uri);
    this.primed.delete(uri);
    // the text only when short enough to be handed over (textOf): a large one would double what the entry holds
    this.written.set(uri, { value, size, ...(text.length <= INLINE_TEXT_MAX ? { text } : {}) }, { size });
    return uri;
  }

  /**
   * The JSON text of a document this process wrote, or was handed (prime), when at most
   * INLINE_TEXT_MAX characters and still cached: what a read of its URI elsewhere would find,
   * to hand over with it. Undefined for one read from storage (its text is not kept).
   */
  textOf(uri: string): string | undefined {
    return this.written.peek(uri)?.text ?? this.cache.peek(uri)?.text ?? this.primed.peek(uri);
  }

  /**
   * A document's text handed over by the process that wrote it (textOf there): a later read of
   * `uri` parses it instead of reading storage. The text is exactly what was stored under a
   * fresh key (written once per execution or attempt), so the read answers what storage would.
   */
  prime(uri: string, text: string): void {
    if (text.length > INLINE_TEXT_MAX || this.cache.has(uri) || this.written.has(uri)) return;
    this.primed.set(uri, text);
  }

  /** reads a document; missing bytes are a PurgedError naming the URI */
  async read<T = unknown>(uri: string): Promise<T> {
    const cached = this.cache.get(uri);
    if (cached) return cached.value as T;
    const written = this.written.get(uri);
    if (written) {
      // read once, likely read again (a plan at each event, an output several tasks name)
      this.written.delete(uri);
      this.remember(uri, written.value, written.size, written.text);
      return written.value as T;
    }
    const primed = this.primed.get(uri);
    if (primed !== undefined) {
      this.primed.delete(uri);
      const value = parseJson(primed) as T;
      this.remember(uri, value, primed.length, primed);
      return value;
    }
    const bytes = await this.storage.get(storageKeyOf(uri));
    if (!bytes) throw new PurgedError(uri);
    const value = parseJson(new TextDecoder().decode(bytes)) as T;
    this.remember(uri, value, bytes.length);
    return value;
  }

  forget(prefixUri: string): void {
    for (const cache of [this.cache, this.written, this.primed]) for (const key of [...cache.keys()]) if (key.startsWith(prefixUri)) cache.delete(key);
  }

  private remember(uri: string, value: unknown, size: number, text?: string) {
    // JSON.stringify(undefined) is no text: nothing was stored that a read could find
    this.cache.set(uri, text === undefined ? { value } : { value, text }, { size: Math.max(1, size || 1) });
  }
}
