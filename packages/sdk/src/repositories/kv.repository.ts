import type { KvRecord } from "../model.js";

/** KV metadata; values live in storage. Expired records are returned too: callers decide. */
export interface KvRepository {
  getKv(namespace: string, key: string): Promise<KvRecord | undefined>;
  /** the records of one namespace whose key starts with `prefix` */
  listKv(namespace: string, prefix?: string): Promise<KvRecord[]>;
  /**
   * Stores the record, replacing the key's (keeping the first `created`). With `ifValueUri` it is
   * a compare-and-set: stored only if the key's record still points at that URI (`null`: only if
   * the key has no record); false, nothing written, when another write came first.
   */
  saveKv(record: KvRecord, options?: { ifValueUri?: string | null }): Promise<boolean>;
  /** removes the key's record (with `ifValueUri`, only if it still points there); false when nothing was removed */
  deleteKv(namespace: string, key: string, options?: { ifValueUri?: string }): Promise<boolean>;
}
