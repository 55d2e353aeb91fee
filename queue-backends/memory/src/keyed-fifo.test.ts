import { describe, expect, it } from "vitest";
import { KeyedFifo } from "./keyed-fifo.js";

const item = (id: number, key?: string) => ({ id, ...(key === undefined ? {} : { key }) });

describe("KeyedFifo", () => {
  it("hands out in arrival order, holding a key's next message until its flight ends", () => {
    const fifo = new KeyedFifo<{ id: number; key?: string }>();
    for (const [id, key] of [[1, "a"], [2, "a"], [3, "b"], [4, undefined], [5, "a"]] as const) fifo.push(item(id, key));
    expect(fifo.take()?.id).toBe(1);
    expect(fifo.take()?.id).toBe(3); // 2 waits behind 1's key
    expect(fifo.take()?.id).toBe(4);
    expect(fifo.take()).toBeUndefined(); // 5 waits too, behind 2
    expect(fifo.size).toBe(2);
    fifo.done("a");
    expect(fifo.take()?.id).toBe(2);
    expect(fifo.take()).toBeUndefined();
    fifo.done("a");
    expect(fifo.take()?.id).toBe(5);
    expect(fifo.size).toBe(0);
  });

  it("keeps a key's order when a message arrives after its kin were parked and the key was freed", () => {
    const fifo = new KeyedFifo<{ id: number; key?: string }>();
    fifo.push(item(1, "a"));
    fifo.push(item(2, "a"));
    expect(fifo.take()?.id).toBe(1);
    expect(fifo.take()).toBeUndefined(); // 2 parked
    fifo.done("a");
    fifo.push(item(3, "a"));
    expect(fifo.take()?.id).toBe(2);
    expect(fifo.take()).toBeUndefined();
    fifo.done("a");
    expect(fifo.take()?.id).toBe(3);
  });

  it("takes the next message in constant time however many wait behind a busy key", () => {
    const fifo = new KeyedFifo<{ id: number; key?: string }>();
    const n = 200_000;
    for (let i = 0; i < n; i++) fifo.push(item(i, "execution"));
    fifo.push(item(n, "other"));
    expect(fifo.take()?.id).toBe(0);
    expect(fifo.take()?.id).toBe(n); // the others wait behind 0's key
    // a scan of every waiting message per take would make what follows n²/2 = 2·10¹⁰ steps
    let taken = 2;
    for (;;) {
      fifo.done("execution");
      const next = fifo.take();
      if (!next) break;
      expect(next.id).toBe(taken - 1);
      taken++;
    }
    expect(taken).toBe(n + 1);
    expect(fifo.size).toBe(0);
  });

  it("takeFollowing: a key in flight takes its parked messages, oldest first, while accepted and up to the count; order holds for the rest", () => {
    const fifo = new KeyedFifo<{ id: number; key?: string }>();
    for (const [id, key] of [[1, "a"], [2, "a"], [3, "b"], [4, "a"], [5, "a"], [6, "a"]] as const) fifo.push(item(id, key));
    expect(fifo.takeFollowing("a", () => true, 10)).toEqual([]); // not in flight: nothing
    expect(fifo.take()?.id).toBe(1);
    expect(fifo.take()?.id).toBe(3); // parks 2 behind 1
    expect(fifo.takeFollowing("a", () => false, 10)).toEqual([]);
    expect(fifo.take()).toBeUndefined(); // parks 4, 5, 6 (only parked messages follow: those still unread come after them)
    expect(fifo.takeFollowing("a", (m) => m.id !== 5, 10).map((m) => m.id)).toEqual([2, 4]); // stops at the first refused
    expect(fifo.takeFollowing("a", () => true, 1).map((m) => m.id)).toEqual([5]); // at most the count
    expect(fifo.size).toBe(1);
    fifo.done("a");
    expect(fifo.take()?.id).toBe(6);
    expect(fifo.takeFollowing("a", () => true, 10)).toEqual([]);
    fifo.done("a");
    expect(fifo.take()).toBeUndefined();
    expect(fifo.size).toBe(0);
  });
});
