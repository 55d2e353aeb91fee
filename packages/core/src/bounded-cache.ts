/**
 * A map of at most `limit` entries that drops the least recently used first: for what is
 * parsed once per distinct text (templates, expressions, validator patterns). The texts come
 * from flows, whose revisions keep coming on a long-running server, so a plain Map would only
 * grow.
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Maps iterate in insertion order: moved to the end, it is the last to go
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
  }

  get size(): number {
    return this.entries.size;
  }
}
