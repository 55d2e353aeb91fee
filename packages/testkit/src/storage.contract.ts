import type { Storage } from "@ferry/sdk";
import { beforeAll, expect } from "vitest";
import { contractSuite, type Skips } from "./skips.js";

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/**
 * The storage contract: every Storage implementation runs it against the real thing.
 * `create` gives a fresh, empty storage (its own folder, bucket or prefix).
 */
export function storageContract(name: string, create: () => Promise<Storage>, skips?: Skips): void {
  contractSuite(`storage contract: ${name}`, create, skips, (test, instance) => {
    let storage: Storage;
    beforeAll(() => void (storage = instance()));

    test("put then get returns the same bytes", async () => {
      await storage.put("a/b/c.txt", "hello");
      expect(text(await storage.get("a/b/c.txt"))).toBe("hello");
      expect(await storage.size("a/b/c.txt")).toBe(5);
      expect(await storage.exists("a/b/c.txt")).toBe(true);
    });
    test("put replaces the whole object", async () => {
      await storage.put("replace/x", "a long first value");
      await storage.put("replace/x", "short");
      expect(text(await storage.get("replace/x"))).toBe("short");
    });
    test("a put with `fresh` (a key no reader knows yet) writes a new key and replaces an existing one whole", async () => {
      await storage.put("fresh/new.json", '{"a":1}', { fresh: true });
      expect(text(await storage.get("fresh/new.json"))).toBe('{"a":1}');
      await storage.put("fresh/new.json", "{}", { fresh: true });
      expect(text(await storage.get("fresh/new.json"))).toBe("{}");
      expect(await storage.size("fresh/new.json")).toBe(2);
      expect(await storage.list("fresh")).toEqual(["fresh/new.json"]);
    });
    test("missing keys read as undefined, never throw", async () => {
      expect(await storage.get("nope/missing")).toBeUndefined();
      expect(await storage.getStream("nope/missing")).toBeUndefined();
      expect(await storage.exists("nope/missing")).toBe(false);
      expect(await storage.size("nope/missing")).toBeUndefined();
      expect(await storage.delete("nope/missing")).toBe(false);
    });
    test("streams in and out", async () => {
      const chunks = ["one ", "two ", "three"];
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
          controller.close();
        },
      });
      await storage.put("stream/s.txt", body);
      const out = await storage.getStream("stream/s.txt");
      expect(await new Response(out).text()).toBe("one two three");
    });
    test("large objects (8 MiB) keep every byte", async () => {
      const big = new Uint8Array(8 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
      await storage.put("large/blob.bin", big);
      const back = await storage.get("large/blob.bin");
      expect(back?.length).toBe(big.length);
      expect(Buffer.compare(Buffer.from(back!), Buffer.from(big))).toBe(0);
    });
    test("list returns every key below a prefix, sorted", async () => {
      await storage.put("list/b/2", "x");
      await storage.put("list/a/1", "x");
      await storage.put("list/a/0", "x");
      await storage.put("listing-not-below/x", "x");
      expect(await storage.list("list")).toEqual(["list/a/0", "list/a/1", "list/b/2"]);
      expect(await storage.list("list/a")).toEqual(["list/a/0", "list/a/1"]);
      expect(await storage.list("empty/prefix")).toEqual([]);
    });
    test("delete and deletePrefix remove what they name, nothing else", async () => {
      await storage.put("del/one", "1");
      await storage.put("del/tree/a", "a");
      await storage.put("del/tree/b/c", "c");
      await storage.put("deleted-not/x", "x");
      expect(await storage.delete("del/one")).toBe(true);
      expect(await storage.exists("del/one")).toBe(false);
      expect(await storage.deletePrefix("del/tree")).toBe(2);
      expect(await storage.list("del")).toEqual([]);
      expect(await storage.exists("deleted-not/x")).toBe(true);
    });
    test("unsafe keys are rejected and touch nothing", async () => {
      await storage.put("unsafe-sentinel/kept", "x");
      for (const key of ["../escape", "/absolute", "a/../../b", "a//b", "a/./b", "back\\slash", ""]) {
        await expect(storage.put(key, "x"), key).rejects.toThrow(/unsafe storage key/);
        await expect(storage.get(key), key).rejects.toThrow(/unsafe storage key/);
        await expect(storage.deletePrefix(key), key).rejects.toThrow(/unsafe storage key/);
      }
      expect(await storage.exists("unsafe-sentinel/kept")).toBe(true);
    });
    test("a key and a key below it (`a`, `a/b`): both kept, or the second refused as a conflict, never another error", async () => {
      for (const [first, second] of [["c/fold", "c/fold/inner"], ["d/fold/inner", "d/fold"]]) {
        await storage.put(first, "first");
        const outcome = await storage.put(second, "second").then(
          () => "kept",
          (error: Error & { status?: number }) => (error.status === 409 ? "conflict" : `unexpected ${error.name}: ${error.message}`),
        );
        expect(["kept", "conflict"]).toContain(outcome);
        expect(new TextDecoder().decode((await storage.get(first))!)).toBe("first");
        if (outcome === "kept") expect(new TextDecoder().decode((await storage.get(second))!)).toBe("second");
        else expect(await storage.get(second)).toBeUndefined();
      }
    });
    test("unicode keys and values round-trip", async () => {
      await storage.put("unicode/été/日本.txt", "größe ✓");
      expect(text(await storage.get("unicode/été/日本.txt"))).toBe("größe ✓");
    });
  });
}
