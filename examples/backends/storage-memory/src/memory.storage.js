// @ts-check
import { assertSafeKey, defineBackend, OperationalError, z } from "@ferry/sdk";

/** @typedef {import("@ferry/sdk").Storage} Storage */
/** @typedef {import("@ferry/sdk").StorageBody} StorageBody */

/** @param {StorageBody} body */
async function toBytes(body) {
  if (typeof body === "string") return new TextEncoder().encode(body);
  // a copy, so that the caller changing its array later changes nothing stored
  if (body instanceof Uint8Array) return body.slice();
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/**
 * Internal storage in the server's memory: each object a byte array in a Map. Everything
 * is gone when the process ends, so it suits `ferry server local` and tests, never a
 * deployment with workers in other processes. `maxBytes` bounds what it holds: a put
 * past it fails (an OperationalError: the task may retry once a purge freed room).
 *
 * @implements {Storage}
 */
export class MemoryStorage {
  /** @type {Map<string, Uint8Array>} */
  #objects = new Map();
  #bytes = 0;
  #maxBytes;

  /** @param {{ maxBytes?: number }} [options] */
  constructor(options = {}) {
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  /** bytes held now */
  get bytes() {
    return this.#bytes;
  }

  /** @param {string} key @param {StorageBody} body */
  async put(key, body) {
    assertSafeKey(key);
    const bytes = await toBytes(body);
    const held = this.#bytes - (this.#objects.get(key)?.byteLength ?? 0) + bytes.byteLength;
    if (held > this.#maxBytes) {
      throw new OperationalError(`memory storage is full: '${key}' (${bytes.byteLength} bytes) would hold ${held} bytes, more than maxBytes ${this.#maxBytes}`);
    }
    this.#objects.set(key, bytes);
    this.#bytes = held;
    return { size: bytes.byteLength };
  }

  /** @param {string} key */
  async get(key) {
    return this.#objects.get(assertSafeKey(key))?.slice();
  }

  /** @param {string} key */
  async getStream(key) {
    const bytes = await this.get(key);
    if (!bytes) return undefined;
    return new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }

  /** @param {string} key */
  async exists(key) {
    return this.#objects.has(assertSafeKey(key));
  }

  /** @param {string} key */
  async size(key) {
    return this.#objects.get(assertSafeKey(key))?.byteLength;
  }

  /** every key below `prefix` (every key for ""), sorted @param {string} prefix */
  async list(prefix) {
    const below = prefix ? `${assertSafeKey(prefix.replace(/\/+$/, ""))}/` : "";
    return [...this.#objects.keys()].filter((key) => key.startsWith(below)).sort();
  }

  /** @param {string} key */
  async delete(key) {
    const bytes = this.#objects.get(assertSafeKey(key));
    if (!bytes) return false;
    this.#objects.delete(key);
    this.#bytes -= bytes.byteLength;
    return true;
  }

  /** @param {string} prefix */
  async deletePrefix(prefix) {
    assertSafeKey(prefix);
    const keys = await this.list(prefix);
    for (const key of keys) await this.delete(key);
    return keys.length;
  }
}

export const memoryStorageBackend = defineBackend({
  kind: "storage",
  type: "memory",
  description: "objects in the server's memory, gone when it stops; for local mode and tests",
  // strict: a misspelt key (maxbytes) is refused at start, naming it, instead of being ignored
  configSchema: z.strictObject({
    /** the most bytes held at once; without it, as much as the process can hold */
    maxBytes: z.number().int().positive().optional(),
  }),
  create: (options) => new MemoryStorage(options),
});
