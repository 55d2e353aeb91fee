import { JavaDouble, PurgedError, storageKeyOf } from "@ferry/sdk";
import { createLocalStorage } from "@ferry/storage-local";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INLINE_TEXT_MAX, JsonStore } from "./json-store.js";

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), "ferry-json-store-"))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** a store on real local storage whose reads of the storage are counted */
async function countedStore(limits: { entries: number; chars: number; written?: number }) {
  const storage = createLocalStorage({ type: "local", path: join(dir, String(Math.random()).slice(2)) });
  await storage.init();
  const gets: string[] = [];
  const get = storage.get.bind(storage);
  storage.get = async (key) => (gets.push(key), get(key));
  return { store: new JsonStore(storage, limits), storage, gets };
}

describe("JsonStore", () => {
  it("answers what it wrote from its cache, null included, and reads the rest once", async () => {
    const { store, storage, gets } = await countedStore({ entries: 10, chars: 1000 });
    const a = await store.write("ns/f/executions/e/a.json", { value: 1 });
    const n = await store.write("ns/f/executions/e/n.json", null);
    expect([await store.read(a), await store.read(n)]).toEqual([{ value: 1 }, null]);
    await storage.put("ns/f/executions/e/b.json", JSON.stringify({ value: 2 }));
    const b = a.replace("a.json", "b.json");
    expect([await store.read(b), await store.read(b)]).toEqual([{ value: 2 }, { value: 2 }]);
    expect(gets).toEqual([storageKeyOf(b)]);
  });

  it("stores a whole Double as Jackson writes it (6.0) and reads it back as a Double, not a Long", async () => {
    const { store, storage } = await countedStore({ entries: 10, chars: 1000 });
    const uri = await store.write("ns/f/executions/e/d.json", { vars: { x: new JavaDouble(6), n: 6 } });
    expect(new TextDecoder().decode((await storage.get(storageKeyOf(uri)))!)).toBe('{"vars":{"x":6.0,"n":6}}');
    // read from storage, past the cache, as another process would
    const fresh = new JsonStore(storage);
    expect(await fresh.read(uri)).toEqual({ vars: { x: new JavaDouble(6), n: 6 } });
  });

  it("keeps no more than its budget: the least recently used go first, and a document too large for it is never kept", async () => {
    const { store, gets } = await countedStore({ entries: 2, chars: 800 });
    const uris = [];
    for (const name of ["x", "y", "z"]) uris.push(await store.write(`ns/f/executions/e/${name}.json`, { name }));
    await store.read(uris[0]); // x was pushed out by z
    expect(gets).toHaveLength(1);
    const big = await store.write("ns/f/executions/e/big.json", { text: "b".repeat(200) });
    await store.read(big);
    await store.read(big);
    expect(gets.filter((k) => k.endsWith("big.json"))).toHaveLength(2);
  });

  it("keeps what it wrote apart, within its own bound, until it is read: what nobody reads leaves the read cache alone", async () => {
    const { store, gets } = await countedStore({ entries: 2, chars: 800, written: 3 });
    const read = await store.write("ns/f/executions/e/read.json", { name: "read" });
    expect(await store.read(read)).toEqual({ name: "read" }); // moved into the read cache
    const outputs = [];
    for (let i = 0; i < 4; i++) outputs.push(await store.write(`ns/f/executions/e/o${i}.json`, { i }));
    // four written past a bound of three: the oldest unread one is read from storage, the read one is still cached
    expect(await store.read(read)).toEqual({ name: "read" });
    expect(gets).toEqual([]);
    expect(await store.read(outputs[3])).toEqual({ i: 3 });
    expect(await store.read(outputs[0])).toEqual({ i: 0 });
    expect(gets).toEqual([storageKeyOf(outputs[0])]);
  });

  it("answers a key written again with its new value, whether the old one was read or not", async () => {
    const { store } = await countedStore({ entries: 10, chars: 1000 });
    const read = await store.write("ns/f/executions/e/again.json", { n: 1 });
    expect(await store.read(read)).toEqual({ n: 1 });
    await store.write("ns/f/executions/e/again.json", { n: 2 });
    expect(await store.read(read)).toEqual({ n: 2 });
    const unread = await store.write("ns/f/executions/e/again2.json", { n: 1 });
    await store.write("ns/f/executions/e/again2.json", { n: 2 });
    expect(await store.read(unread)).toEqual({ n: 2 });
  });

  it("forgets a prefix in what it wrote and in what it read", async () => {
    const { store, storage, gets } = await countedStore({ entries: 10, chars: 1000 });
    const written = await store.write("ns/f/executions/e/w.json", { w: 1 });
    const read = await store.write("ns/f/executions/e/r.json", { r: 1 });
    await store.read(read);
    store.forget("ferry://ns/f/executions/e/");
    await storage.delete("ns/f/executions/e/w.json");
    await expect(store.read(written)).rejects.toBeInstanceOf(PurgedError);
    expect(await store.read(read)).toEqual({ r: 1 });
    expect(gets).toEqual([storageKeyOf(written), storageKeyOf(read)]);
  });

  it("says purged when the bytes are gone", async () => {
    const { store } = await countedStore({ entries: 10, chars: 1000 });
    await expect(store.read("ferry://ns/f/executions/e/none.json")).rejects.toBeInstanceOf(PurgedError);
  });

  it("hands over the text it stored and parses a handed-over text instead of reading storage, Doubles kept", async () => {
    const writer = await countedStore({ entries: 10, chars: 100_000 });
    const uri = await writer.store.write("ns/f/executions/e/o.json", { x: new JavaDouble(6), s: "a\"b" });
    const text = writer.store.textOf(uri)!;
    expect(text).toBe(new TextDecoder().decode((await writer.storage.get(storageKeyOf(uri)))!));
    // still handed over once read here (it moved to the read cache with its text)
    await writer.store.read(uri);
    expect(writer.store.textOf(uri)).toBe(text);
    // another process: primed, read without storage, the Double still a Double; handed on in turn
    const reader = await countedStore({ entries: 10, chars: 100_000 });
    reader.store.prime(uri, text);
    expect(reader.store.textOf(uri)).toBe(text);
    const read = await reader.store.read<{ x: unknown; s: string }>(uri);
    expect(read.x).toBeInstanceOf(JavaDouble);
    expect(read.s).toBe('a"b');
    expect(reader.gets).toEqual([]);
    expect(reader.store.textOf(uri)).toBe(text);
  });

  it("hands over no long text, nor one it read from storage, and a write under a primed key wins over the primed text", async () => {
    const { store, storage, gets } = await countedStore({ entries: 10, chars: 1_000_000 });
    const long = await store.write("ns/f/executions/e/long.json", { s: "x".repeat(INLINE_TEXT_MAX) });
    expect(store.textOf(long)).toBeUndefined();
    store.prime(long.replace("long", "other"), JSON.stringify({ s: "x".repeat(INLINE_TEXT_MAX) }));
    await storage.put("ns/f/executions/e/other.json", "{}");
    expect(await store.read(long.replace("long", "other"))).toEqual({});
    await storage.put("ns/f/executions/e/r.json", "{\"r\":1}");
    const r = long.replace("long", "r");
    await store.read(r);
    expect(store.textOf(r)).toBeUndefined();
    const w = long.replace("long", "w");
    store.prime(w, "{\"old\":1}");
    await store.write("ns/f/executions/e/w.json", { new: 1 });
    expect(await store.read(w)).toEqual({ new: 1 });
    expect(gets).toEqual([storageKeyOf(long.replace("long", "other")), storageKeyOf(r)]);
  });

  it("forgets handed-over texts under a prefix (a purge): the read goes to storage", async () => {
    const { store, gets } = await countedStore({ entries: 10, chars: 1000 });
    const uri = "ferry://ns/f/executions/gone/o.json";
    store.prime(uri, "{}");
    store.forget("ferry://ns/f/executions/gone/");
    await expect(store.read(uri)).rejects.toBeInstanceOf(PurgedError);
    expect(gets).toEqual([storageKeyOf(uri)]);
  });
});
