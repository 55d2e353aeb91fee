import { assertSafeKey, OperationalError, type Storage, type StorageBody } from "@ferry/sdk";

async function toBytes(body: StorageBody): Promise<Uint8Array> {
  if (typeof body === "string") return new TextEncoder().encode(body);
  // a copy: the caller changing its array later changes nothing stored
  if (body instanceof Uint8Array) return body.slice();
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/**
 * A starting point: internal storage in this process's memory, passing the storage contract
 * suite (src/memory.storage.test.ts). Replace the Map with your object store's calls, keeping
 * what the Storage interface asks (node_modules/@ferry/sdk/dist/storage.d.ts): keys checked
 * with assertSafeKey, whole-object replaces, missing keys as undefined, sorted lists.
 */
export class AcmeStorage implements Storage {
  private readonly objects = new Map<string, Uint8Array>();
  private held = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  async init(): Promise<void> {
    // connect here (create() must not: a bad option is reported before anything opens)
  }

  async close(): Promise<void> {}

  async put(key: string, body: StorageBody): Promise<{ size: number }> {
    assertSafeKey(key);
    const bytes = await toBytes(body);
    const held = this.held - (this.objects.get(key)?.byteLength ?? 0) + bytes.byteLength;
    // an OperationalError: a task's retry may succeed once a purge freed room
    if (held > this.maxBytes) throw new OperationalError(`acme storage is full: '${key}' (${bytes.byteLength} bytes) would pass maxBytes ${this.maxBytes}`);
    this.objects.set(key, bytes);
    this.held = held;
    return { size: bytes.byteLength };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(assertSafeKey(key))?.slice();
  }

  async getStream(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const bytes = await this.get(key);
    if (!bytes) return undefined;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }

  async exists(key: string): Promise<boolean> {
    return this.objects.has(assertSafeKey(key));
  }

  async size(key: string): Promise<number | undefined> {
    return this.objects.get(assertSafeKey(key))?.byteLength;
  }

  async list(prefix: string): Promise<string[]> {
    const below = prefix ? `${assertSafeKey(prefix.replace(/\/+$/, ""))}/` : "";
    return [...this.objects.keys()].filter((key) => key.startsWith(below)).sort();
  }

  async delete(key: string): Promise<boolean> {
    const bytes = this.objects.get(assertSafeKey(key));
    if (!bytes) return false;
    this.objects.delete(key);
    this.held -= bytes.byteLength;
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertSafeKey(prefix);
    const keys = await this.list(prefix);
    for (const key of keys) await this.delete(key);
    return keys.length;
  }
}
