import type { Queue } from "@ferry/sdk";
import { beforeAll, expect } from "vitest";
import { contractSuite, type Skips } from "./skips.js";

const until = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

/**
 * The queue contract. `create` gives a fresh queue whose channels no other test uses
 * (its own Redis key prefix, for example).
 */
export function queueContract(name: string, create: () => Promise<Queue>, skips?: Skips): void {
  contractSuite(`queue contract: ${name}`, create, skips, (test, instance) => {
    let queue: Queue;
    beforeAll(() => void (queue = instance()));

    test("delivers each message to exactly one consumer", async () => {
      const got: number[] = [];
      const a = await queue.consume<number>("once", async (n) => void got.push(n));
      const b = await queue.consume<number>("once", async (n) => void got.push(n));
      for (let i = 0; i < 50; i++) await queue.send("once", i);
      await until(() => got.length >= 50);
      await new Promise((r) => setTimeout(r, 50));
      expect(got.sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
      await a.close();
      await b.close();
    });
    test("sends a message with an id once until the id is settled, even after it was handled", async () => {
      const got: string[] = [];
      const sub = await queue.consume<string>("once-by-id", async (m) => void got.push(m));
      await queue.send("once-by-id", "a1", { id: "a" });
      await queue.send("once-by-id", "a2", { id: "a" });
      await queue.send("once-by-id", "b1", { id: "b", key: "k" });
      await until(() => got.length >= 2);
      await new Promise((r) => setTimeout(r, 100));
      await queue.send("once-by-id", "a3", { id: "a" }); // handled already, not settled: still nothing
      await queue.send("once-by-id", "d1", { id: "d", delayMs: 20 });
      await queue.send("once-by-id", "d2", { id: "d", delayMs: 20 });
      await until(() => got.length >= 3);
      await new Promise((r) => setTimeout(r, 150));
      expect(got.sort()).toEqual(["a1", "b1", "d1"]);
      if (queue.settle) {
        await queue.settle("once-by-id", ["a"]);
        await queue.send("once-by-id", "a4", { id: "a" });
        await until(() => got.length >= 4);
        expect(got).toContain("a4");
      }
      await sub.close();
    });
    test("a resend with an id goes through once the message last sent with it was acknowledged, not while it waits or is handled", async () => {
      const got: string[] = [];
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      await queue.send("resend-by-id", "r1", { id: "r" });
      await queue.send("resend-by-id", "r0", { id: "r", resend: true }); // r1 waits (no consumer yet): nothing
      const sub = await queue.consume<string>("resend-by-id", async (m) => {
        got.push(m);
        if (m === "r1") await held;
      });
      await until(() => got.length >= 1);
      await queue.send("resend-by-id", "r2", { id: "r", resend: true }); // r1 is being handled: nothing
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(["r1"]);
      release();
      await new Promise((r) => setTimeout(r, 100));
      await queue.send("resend-by-id", "r3", { id: "r" }); // handled, not settled: a plain send still does nothing
      await queue.send("resend-by-id", "r4", { id: "r", resend: true });
      await until(() => got.length >= 2);
      await new Promise((r) => setTimeout(r, 150));
      expect(got).toEqual(["r1", "r4"]);
      await sub.close();
    });
    test("keeps its epoch while it loses nothing", async () => {
      if (!queue.epoch) return; // optional: a queue that never loses messages while the process lives
      const before = await queue.epoch();
      const got: number[] = [];
      const sub = await queue.consume<number>("epoch", async (n) => void got.push(n));
      for (let i = 0; i < 5; i++) await queue.send("epoch", i);
      await until(() => got.length === 5);
      await sub.close();
      expect(await queue.epoch()).toBe(before);
    });
    test("depth counts a channel's messages until they are acknowledged", async () => {
      if (!queue.depth) return; // optional: for monitoring
      expect(await queue.depth("depth")).toBe(0);
      for (let i = 0; i < 3; i++) await queue.send("depth", i);
      expect(await queue.depth("depth")).toBe(3);
      let release: () => void = () => undefined;
      const held = new Promise<void>((r) => (release = r));
      const seen: number[] = [];
      const consumer = await queue.consume<number>("depth", async (n) => {
        seen.push(n);
        if (n === 0) await held;
      }, { concurrency: 1 });
      await until(() => seen.length >= 1);
      expect(await queue.depth("depth")).toBe(3); // one in flight, two waiting
      release();
      await until(() => seen.length >= 3);
      await until(async () => (await queue.depth!("depth")) === 0);
      await consumer.close();
    });
    test("keeps order per key and runs one message per key at a time", async () => {
      const seen: Record<string, number[]> = { k1: [], k2: [] };
      let active = 0;
      let overlap = false;
      const busy = new Set<string>();
      const sub = await queue.consume<{ key: string; n: number }>(
        "keyed",
        async (m) => {
          if (busy.has(m.key)) overlap = true;
          busy.add(m.key);
          active++;
          await new Promise((r) => setTimeout(r, 2));
          seen[m.key].push(m.n);
          busy.delete(m.key);
          active--;
        },
        { concurrency: 4 },
      );
      for (let i = 0; i < 20; i++) for (const key of ["k1", "k2"]) await queue.send("keyed", { key, n: i }, { key });
      await until(() => seen.k1.length === 20 && seen.k2.length === 20);
      expect(seen.k1).toEqual([...Array(20).keys()]);
      expect(seen.k2).toEqual([...Array(20).keys()]);
      expect(overlap).toBe(false);
      expect(active).toBe(0);
      await sub.close();
    });
    test("delays delivery by at least delayMs", async () => {
      let at = 0;
      const sub = await queue.consume<string>("delayed", async () => void (at = Date.now()));
      const sent = Date.now();
      await queue.send("delayed", "x", { delayMs: 150 });
      await until(() => at > 0);
      expect(at - sent).toBeGreaterThanOrEqual(140);
      await sub.close();
    });
    test("messages sent before a consumer exists wait for it", async () => {
      await queue.send("early", { hello: "world" });
      let got: unknown;
      const sub = await queue.consume("early", async (m) => void (got = m));
      await until(() => got !== undefined);
      expect(got).toEqual({ hello: "world" });
      await sub.close();
    });
    test("a handler that throws does not stop the consumer", async () => {
      const got: number[] = [];
      const errors: unknown[] = [];
      const sub = await queue.consume<number>(
        "throwing",
        async (n) => {
          if (n === 1) throw new Error("boom");
          got.push(n);
        },
        { onError: (e) => errors.push(e) },
      );
      for (const n of [1, 2, 3]) await queue.send("throwing", n);
      await until(() => got.length === 2);
      expect(got).toEqual([2, 3]);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      await sub.close();
    });
    test("broadcast reaches every subscriber", async () => {
      const a: unknown[] = [];
      const b: unknown[] = [];
      const sa = await queue.subscribe("topic", (m) => void a.push(m));
      const sb = await queue.subscribe("topic", (m) => void b.push(m));
      await queue.broadcast("topic", { kill: "x" });
      await until(() => a.length === 1 && b.length === 1);
      expect(a[0]).toEqual({ kill: "x" });
      await sa.close();
      await sb.close();
    });
    test("messages are copies: mutating a sent object changes nothing delivered", async () => {
      let got: { n: number } | undefined;
      const sub = await queue.consume<{ n: number }>("copies", async (m) => void (got = m));
      const message = { n: 1 };
      await queue.send("copies", message);
      message.n = 2;
      await until(() => got !== undefined);
      expect(got).toEqual({ n: 1 });
      await sub.close();
    });
  });
}
