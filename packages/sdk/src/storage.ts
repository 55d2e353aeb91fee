/**
 * Internal storage: bytes under keys (relative paths such as
 * `company/team/flow/executions/<id>/inputs.json`).
 *
 * Invariants (the storage contract suite checks them):
 * - Keys are validated with `assertSafeKey`: no `..`, no absolute paths. Unsafe keys throw
 *   a UserError and touch nothing.
 * - `put` replaces the whole object atomically: a reader sees the old or the new bytes (a
 *   `fresh` put of a key that does not exist yet may be seen in part by a reader that looks for
 *   it before the put resolves, which its caller vouches none does: PutOptions).
 * - A missing key reads as `undefined`, never as an error; `delete` of a missing key is false.
 * - `list(prefix)` returns every key below the prefix, sorted.
 *
 * Left out on purpose: metadata beyond size; the repository owns metadata.
 */
export type StorageBody = Uint8Array | string | ReadableStream<Uint8Array>;

/** what a caller of `put` knows of its key */
export interface PutOptions {
  /**
   * No reader looks for this key before the put resolves: its URI is handed out only by what
   * the put returns to (a new execution's inputs and trigger, a task run attempt's outputs).
   * A backend may then write a key that does not exist yet in place, skipping what makes its
   * replace atomic (a local file written under a temporary name, then renamed). A key that
   * exists is still replaced atomically. A hint: a backend may ignore it.
   */
  fresh?: boolean;
}

export interface Storage {
  init?(): Promise<void>;
  close?(): Promise<void>;
  put(key: string, body: StorageBody, options?: PutOptions): Promise<{ size: number }>;
  get(key: string): Promise<Uint8Array | undefined>;
  getStream(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  exists(key: string): Promise<boolean>;
  size(key: string): Promise<number | undefined>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<boolean>;
  /** deletes every key below prefix; returns how many */
  deletePrefix(prefix: string): Promise<number>;
}
