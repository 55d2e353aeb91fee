import { describe, expect, it } from "vitest";
import { WriteGroup, type GroupWriter } from "./write-group.js";

interface Item {
  key: string;
  /** the outcome the writer gives it: written, refused alone, or a failure of any group holding it */
  outcome?: "refused" | "fails-group";
}

/** a writer over an array, recording each write it was asked for (a group or one alone) */
function recordingWriter(release?: Promise<void>) {
  const stored: string[] = [];
  const calls: string[][] = [];
  const writer: GroupWriter<Item> = {
    async writeMany(items) {
      calls.push(items.map((i) => i.key));
      await release;
      if (items.some((i) => i.outcome === "fails-group")) throw new Error("a row the database refused");
      return items.map((i) => (i.outcome === "refused" ? new Error(`refused ${i.key}`) : (stored.push(i.key), undefined)));
    },
    async writeOne(item) {
      calls.push([item.key]);
      await release;
      if (item.outcome) throw new Error(`refused ${item.key}`);
      stored.push(item.key);
    },
    retryAlone: (error) => !String(error).includes("out of reach"),
  };
  return { writer, stored, calls };
}

const settled = (promises: Array<Promise<void>>) => Promise.allSettled(promises).then((r) => r.map((s) => s.status));

describe("WriteGroup", () => {
  it("writes what is asked in one turn as one group, each write with its own outcome", async () => {
    const { writer, stored, calls } = recordingWriter();
    const group = new WriteGroup(writer, { maxInFlight: 4, maxItems: 100 });
    const outcomes = await settled([group.write("a", { key: "a" }), group.write("b", { key: "b", outcome: "refused" }), group.write("c", { key: "c" })]);
    expect(calls).toEqual([["a", "b", "c"]]);
    expect(outcomes).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(stored).toEqual(["a", "c"]);
  });

  it("never puts two writes of one key in a group, and keeps to maxItems", async () => {
    const { writer, calls } = recordingWriter();
    const group = new WriteGroup(writer, { maxInFlight: 1, maxItems: 2 });
    await settled(["a", "a", "b", "c"].map((key) => group.write(key, { key })));
    expect(calls).toEqual([["a", "b"], ["a", "c"]]);
  });

  it("a group that failed for one row's sake is written again one by one: only that row fails", async () => {
    const { writer, stored, calls } = recordingWriter();
    const group = new WriteGroup(writer, { maxInFlight: 4, maxItems: 100 });
    const outcomes = await settled([group.write("a", { key: "a" }), group.write("b", { key: "b", outcome: "fails-group" }), group.write("c", { key: "c" })]);
    expect(calls).toEqual([["a", "b", "c"], ["a"], ["b"], ["c"]]);
    expect(outcomes).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(stored.sort()).toEqual(["a", "c"]);
  });

  it("a group that failed for the database's sake fails every write in it, none tried again", async () => {
    const { writer, calls } = recordingWriter();
    const failing: GroupWriter<Item> = { ...writer, writeMany: async (items) => (calls.push(items.map((i) => i.key)), Promise.reject(new Error("out of reach"))) };
    const group = new WriteGroup(failing, { maxInFlight: 4, maxItems: 100 });
    expect(await settled([group.write("a", { key: "a" }), group.write("b", { key: "b" })])).toEqual(["rejected", "rejected"]);
    expect(calls).toEqual([["a", "b"]]);
  });

  it("while maxInFlight groups are written, later writes gather into the next group, which starts once one is done", async () => {
    let release!: () => void;
    const { writer, calls } = recordingWriter(new Promise<void>((r) => (release = r)));
    const group = new WriteGroup(writer, { maxInFlight: 1, maxItems: 100 });
    const first = group.write("a", { key: "a" });
    await new Promise((r) => setImmediate(r));
    const later = ["b", "c", "d"].map((key) => group.write(key, { key }));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([["a"]]);
    release();
    expect(await settled([first, ...later])).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    expect(calls).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("a key's second write waits until the group holding its first settled, even with groups free (review: a2 ran beside a1)", async () => {
    let release!: () => void;
    const { writer, calls } = recordingWriter(new Promise<void>((r) => (release = r)));
    const group = new WriteGroup(writer, { maxInFlight: 4, maxItems: 100 });
    const writes = [group.write("a", { key: "a" }), group.write("b", { key: "b" }), group.write("a", { key: "a" }), group.write("c", { key: "c" })];
    await new Promise((r) => setTimeout(r, 20));
    // three groups are free, but the second a waits for the group holding the first
    expect(calls).toEqual([["a", "b", "c"]]);
    release();
    expect(await settled(writes)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    expect(calls).toEqual([["a", "b", "c"], ["a"]]);
  });

  it("drain() resolves once every write asked so far has settled (a repository's close waits for it)", async () => {
    let release!: () => void;
    const { writer, stored } = recordingWriter(new Promise<void>((r) => (release = r)));
    const group = new WriteGroup(writer, { maxInFlight: 1, maxItems: 100 });
    await group.drain();
    const writes = ["a", "b", "a"].map((key) => group.write(key, { key }));
    let drained = false;
    const draining = group.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    release();
    await draining;
    expect(await settled(writes)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(stored.sort()).toEqual(["a", "a", "b"]);
  });

  it("keeps a group to maxBytes by the writer's sizes, a write larger than that alone", async () => {
    const { writer, stored, calls } = recordingWriter();
    const sizes: Record<string, number> = { a: 40, b: 40, c: 40, d: 150, e: 10 };
    const group = new WriteGroup({ ...writer, size: (item: Item) => sizes[item.key]! }, { maxInFlight: 1, maxItems: 100, maxBytes: 100 });
    const outcomes = await settled(["a", "b", "c", "d", "e"].map((key) => group.write(key, { key })));
    expect(outcomes).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    // a+b = 80: c (120) and d wait for the next group, e (90) still fits; d (150) goes alone
    expect(calls).toEqual([["a", "b", "e"], ["c"], ["d"]]);
    expect(stored.sort()).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("a write whose database went out of reach is read again: landed is done, not landed fails, unknown fails", async () => {
    const asked: string[][] = [];
    let reads = 0;
    const writer: GroupWriter<Item> = {
      async writeMany() {
        throw new Error("connection lost: out of reach");
      },
      async writeOne() {
        throw new Error("connection lost: out of reach");
      },
      retryAlone: (error) => !String(error).includes("out of reach"),
      async landed(items) {
        asked.push(items.map((i) => i.key));
        // the first read finds the database still away; the second reads the rows
        if (reads++ === 0) throw new Error("still out of reach");
        return items.map((i) => (i.key === "a" ? true : i.key === "b" ? false : undefined));
      },
    };
    const group = new WriteGroup(writer, { maxInFlight: 4, maxItems: 100, landedTries: 3, landedPauseMs: 5 });
    const results = await Promise.allSettled(["a", "b", "c"].map((key) => group.write(key, { key })));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain("out of reach");
    // "c" unknown: read until the tries run out
    expect(asked).toEqual([["a", "b", "c"], ["a", "b", "c"], ["a", "b", "c"]]);
    // alone too (a group of one)
    reads = 1;
    await expect(group.write("a", { key: "a" })).resolves.toBeUndefined();
    await expect(group.write("b", { key: "b" })).rejects.toThrow(/out of reach/);
  });
});
