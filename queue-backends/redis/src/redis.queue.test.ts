import { isLeaseLost, isUnavailable, OperationalError } from "@ferry/sdk";
import { queueContract } from "@ferry/testkit";
import { TcpProxy } from "@ferry/testkit/tcp-proxy";
import { Redis, ReplyError } from "ioredis";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createRedisQueue, redisError } from "./redis.queue.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
if (!REDIS_URL) console.warn("\n*** SKIPPING Redis queue tests: set FERRY_TEST_REDIS_URL (for example redis://127.0.0.1:6379) ***\n");
// each suite gets its own key prefix, so suites run side by side on one Redis
const prefix = () => `ferry-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!REDIS_URL)("redis queue", () => {
  queueContract("redis", async () => createRedisQueue({ type: "redis", url: REDIS_URL, prefix: prefix() }));

  it("hands a message held by a consumer that died to another, as a repeated delivery", async () => {
    const p = prefix();
    const dying = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT0.6S" });
    const survivor = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT0.6S" });
    await dying.init();
    await survivor.init();
    let taken = false;
    await dying.consume("jobs", async () => {
      taken = true;
      await new Promise(() => undefined); // never finishes: the process is about to die
    });
    await dying.send("jobs", { job: 1 });
    await until(() => taken);
    // the consumer dies: its connections drop and its heartbeats stop
    await dying.close();
    const got: Array<{ message: unknown; deliveries: number }> = [];
    await survivor.consume("jobs", async (message, delivery) => void got.push({ message, deliveries: delivery.deliveries }));
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ message: { job: 1 }, deliveries: 2 });
    await survivor.close();
  });

  it("heartbeats keep a slow but living consumer's message from being claimed", async () => {
    const p = prefix();
    const a = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT0.4S" });
    const b = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT0.4S" });
    await a.init();
    await b.init();
    const seen: string[] = [];
    await a.consume("slow", async () => {
      seen.push("a");
      await new Promise((r) => setTimeout(r, 1500));
    });
    await a.send("slow", { n: 1 });
    await until(() => seen.length === 1);
    await b.consume("slow", async () => void seen.push("b"));
    await new Promise((r) => setTimeout(r, 1800));
    expect(seen).toEqual(["a"]);
    await a.close();
    await b.close();
  });

  it("leaves nothing in Redis once messages are handled", async () => {
    const p = prefix();
    const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p });
    await q.init();
    let n = 0;
    await q.consume("clean", async () => void n++);
    for (let i = 0; i < 20; i++) await q.send("clean", { i }, { key: `k${i % 3}` });
    await q.send("clean", { late: true }, { delayMs: 100 });
    await until(() => n === 21);
    const redis = new Redis(REDIS_URL!);
    await until(async () => (await redis.xlen(`${p}:s:clean`)) === 0);
    expect(await redis.zcard(`${p}:delayed`)).toBe(0);
    redis.disconnect();
    await q.close();
  });
  it("acknowledges entries handled together in one call, each deleted and none left pending", async () => {
    const p = prefix();
    const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p });
    await q.init();
    const redis = new Redis(REDIS_URL!);
    let n = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // 300 handlers end in the same turn of the event loop, when the gate opens
    await q.consume("batch", async () => {
      n++;
      await gate;
    }, { concurrency: 300 });
    for (let i = 0; i < 300; i++) await q.send("batch", { i });
    await until(() => n === 300);
    expect((await redis.xpending(`${p}:s:batch`, "ferry"))[0]).toBe(300);
    const before = Number((await redis.info("commandstats")).match(/cmdstat_evalsha:calls=(\d+)/)?.[1] ?? 0);
    release();
    await until(async () => (await redis.xlen(`${p}:s:batch`)) === 0);
    expect((await redis.xpending(`${p}:s:batch`, "ferry"))[0]).toBe(0);
    const after = Number((await redis.info("commandstats")).match(/cmdstat_evalsha:calls=(\d+)/)?.[1] ?? 0);
    // one call for the 300 (other suites share this Redis: their calls are counted too, far fewer than 300 in this instant)
    expect(after - before).toBeLessThan(150);
    redis.disconnect();
    await q.close();
  });


  it("frees a consumer's slot once its handler is done, before Redis answered the ack; the entry stays pending until it did", async () => {
    const p = prefix();
    const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p });
    await q.init();
    const redis = new Redis(REDIS_URL!);
    // the acks are held back: each goes to Redis only when released
    const ack = q.ack.bind(q);
    const held: Array<() => void> = [];
    (q as unknown as { ack: typeof ack }).ack = (stream, id) => new Promise((resolve, reject) => held.push(() => void ack(stream, id).then(resolve, reject)));
    const handled: unknown[] = [];
    await q.consume("slots", async (m) => void handled.push(m), { concurrency: 1 });
    await q.send("slots", { i: 1 });
    await q.send("slots", { i: 2 });
    // one slot: the second is handled while the first's ack is still unanswered
    await until(() => handled.length === 2);
    expect(handled).toEqual([{ i: 1 }, { i: 2 }]);
    expect((await redis.xpending(`${p}:s:slots`, "ferry"))[0]).toBe(2);
    for (const release of held.splice(0)) release();
    await until(async () => (await redis.xlen(`${p}:s:slots`)) === 0);
    expect((await redis.xpending(`${p}:s:slots`, "ferry"))[0]).toBe(0);
    redis.disconnect();
    await q.close();
  });

  it("frees a slot when its handler releases it (Delivery.release), at most `concurrency` of them; the entry stays held until the handler resolves", async () => {
    const p = prefix();
    const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p });
    await q.init();
    const redis = new Redis(REDIS_URL!);
    const handled: number[] = [];
    const gates = new Map<number, () => void>();
    await q.consume<{ i: number }>("release", async ({ i }, delivery) => {
      handled.push(i);
      // what a worker does once its result is sent: only the queue's answer is left
      delivery.release?.();
      await new Promise<void>((resolve) => gates.set(i, resolve));
    }, { concurrency: 1 });
    for (const i of [1, 2, 3]) await q.send("release", { i });
    // one slot: the first released its slot, so the second is handled while the first still runs
    await until(() => handled.length === 2);
    expect((await redis.xpending(`${p}:s:release`, "ferry"))[0]).toBe(2);
    // the second's release is refused (one slot released already): the third waits for a handler to end
    gates.get(1)!();
    await until(async () => (await redis.xpending(`${p}:s:release`, "ferry"))[0] === 1);
    expect(handled).toEqual([1, 2]);
    gates.get(2)!();
    await until(() => handled.length === 3);
    gates.get(3)!();
    await until(async () => (await redis.xlen(`${p}:s:release`)) === 0);
    expect((await redis.xpending(`${p}:s:release`, "ferry"))[0]).toBe(0);
    redis.disconnect();
    await q.close();
  });

  it("forgets the send-once marks settled in one turn in one call, each send then going out again", async () => {
    const p = prefix();
    const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p });
    await q.init();
    const redis = new Redis(REDIS_URL!);
    for (let i = 0; i < 300; i++) await q.send("once", { i }, { id: `job-${i}` });
    expect((await redis.keys(`${p}:id:once:*`)).length).toBe(300);
    const unlinks = async () => Number((await redis.info("commandstats")).match(/cmdstat_unlink:calls=(\d+)/)?.[1] ?? 0);
    const before = await unlinks();
    // 300 settles in one turn (as a scheduler ends several executions' task runs in the turn that reads their saves' replies)
    await Promise.all(Array.from({ length: 300 }, (_, i) => q.settle("once", [`job-${i}`])));
    const after = await unlinks();
    expect(await redis.keys(`${p}:id:once:*`)).toEqual([]);
    // one call for the 300 (other suites share this Redis: their calls are counted too, far fewer than 300 in this instant)
    expect(after - before).toBeLessThan(150);
    // settled: the same id sends again
    await q.send("once", { again: true }, { id: "job-0" });
    expect(await redis.xlen(`${p}:s:once`)).toBe(301);
    redis.disconnect();
    await q.close();
  });
  it("changes its epoch when Redis loses its data, and only then", async () => {
    const p = prefix();
    const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p });
    const other = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p });
    await q.init();
    await other.init();
    const first = await q.epoch();
    expect(await other.epoch()).toBe(first);
    await q.send("kept", { n: 1 });
    expect(await q.epoch()).toBe(first);
    // what FLUSHALL does to this prefix, without touching suites running beside it
    const redis = new Redis(REDIS_URL!);
    await redis.del(...(await redis.keys(`${p}:*`)));
    redis.disconnect();
    const after = await q.epoch();
    expect(after).not.toBe(first);
    expect(await other.epoch()).toBe(after);
    await q.close();
    await other.close();
  });

  it("a consumer cut off from Redis gives up its message (lease aborted) before another consumer is handed it", async () => {
    const p = prefix();
    const url = new URL(REDIS_URL!);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 6379) });
    const cutOffUrl = `redis://127.0.0.1:${proxy.port}${url.pathname}`;
    const cutOff = createRedisQueue({ type: "redis", url: cutOffUrl, prefix: p, claimTimeout: "PT1S" });
    const survivor = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT1S" });
    await cutOff.init();
    await survivor.init();
    const events: Array<{ what: string; at: number; leaseLost?: boolean }> = [];
    await cutOff.consume("fenced", async (_m, delivery) => {
      events.push({ what: "taken", at: Date.now() });
      await new Promise<void>((resolve) => delivery.lease!.addEventListener("abort", () => resolve(), { once: true }));
      events.push({ what: "lease aborted", at: Date.now(), leaseLost: isLeaseLost(delivery.lease!.reason) });
    });
    await cutOff.send("fenced", { job: 1 });
    await until(() => events.length === 1);
    await proxy.cut();
    await survivor.consume("fenced", async (_m, delivery) => void events.push({ what: `handed on (delivery ${delivery.deliveries})`, at: Date.now() }));
    await until(() => events.length === 3);
    expect(events.map((e) => e.what)).toEqual(["taken", "lease aborted", "handed on (delivery 2)"]);
    expect(events[1].leaseLost).toBe(true);
    await survivor.close();
    await proxy.restore();
    await cutOff.close();
    await proxy.stop();
  }, 20_000);

  it("a handler that looks at its lease only after the hold was lost finds it aborted already (the signal is made when asked for)", async () => {
    const p = prefix();
    const url = new URL(REDIS_URL!);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 6379) });
    const cutOff = createRedisQueue({ type: "redis", url: `redis://127.0.0.1:${proxy.port}${url.pathname}`, prefix: p, claimTimeout: "PT1S" });
    await cutOff.init();
    let taken = false;
    let seen: { aborted: boolean; leaseLost: boolean; again: boolean } | undefined;
    await cutOff.consume("late", async (_m, delivery) => {
      taken = true;
      // past half the claim timeout without Redis: the consumer gives the hold up meanwhile
      await new Promise((r) => setTimeout(r, 1500));
      const lease = delivery.lease!;
      seen = { aborted: lease.aborted, leaseLost: isLeaseLost(lease.reason), again: delivery.lease === lease };
    });
    await cutOff.send("late", { job: 1 });
    await until(() => taken);
    await proxy.cut();
    await until(() => seen !== undefined);
    expect(seen).toEqual({ aborted: true, leaseLost: true, again: true });
    await proxy.restore();
    await cutOff.close();
    await proxy.stop();
  }, 20_000);

  describe("key affinity", () => {
    const affinity = { keyAffinity: true, concurrency: 4 };

    it("routes a key's later messages to the consumer that took its earlier one", async () => {
      const p = prefix();
      // a worker: it sends, and consumes nothing of the channel
      const [a, b, sender] = [1, 2, 3].map(() => createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p }));
      await Promise.all([a.init(), b.init(), sender.init()]);
      const taken: Array<{ key: string; by: string }> = [];
      for (const [q, by] of [[a, "a"], [b, "b"]] as const) await q.consume<{ key: string }>("ev", async ({ key }) => void taken.push({ key, by }), affinity);
      const keys = Array.from({ length: 20 }, (_, i) => `x${i}`);
      for (const key of keys) await sender.send("ev", { key }, { key });
      await until(() => taken.length === keys.length);
      const first = new Map(taken.map(({ key, by }) => [key, by]));
      // both consumers took some: the first message of a key goes to any of them
      expect(new Set(first.values()).size).toBe(2);
      for (let round = 0; round < 5; round++) for (const key of keys) await [a, b, sender][round % 3].send("ev", { key }, { key });
      await until(() => taken.length === keys.length * 6);
      for (const { key, by } of taken) expect(`${key} by ${by}`).toBe(`${key} by ${first.get(key)}`);
      // handled and acknowledged: nothing waits in either consumer's stream
      expect(await a.depth("ev")).toBe(0);
      await Promise.all([a.close(), b.close(), sender.close()]);
    });

    it("a key nobody holds, sent by a process that consumes the channel, is taken by that process", async () => {
      const p = prefix();
      const [a, b] = [createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p }), createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p })];
      await Promise.all([a.init(), b.init()]);
      const taken: string[] = [];
      for (const [q, by] of [[a, "a"], [b, "b"]] as const) await q.consume<{ key: string }>("ev", async ({ key }) => void taken.push(`${key} by ${by}`), affinity);
      for (let i = 0; i < 10; i++) await a.send("ev", { key: `a${i}` }, { key: `a${i}` });
      for (let i = 0; i < 10; i++) await b.send("ev", { key: `b${i}` }, { key: `b${i}` });
      await until(() => taken.length === 20);
      expect(taken.sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `a${i} by a`), ...Array.from({ length: 10 }, (_, i) => `b${i} by b`)].sort());
      await Promise.all([a.close(), b.close()]);
    });

    it("a key a process holds without sending it (hold) has its messages from others routed to that process", async () => {
      const p = prefix();
      // a and b: schedulers; sender: a worker, which consumes nothing of the channel
      const [a, b, sender] = [1, 2, 3].map(() => createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p }));
      await Promise.all([a.init(), b.init(), sender.init()]);
      const taken: string[] = [];
      for (const [q, by] of [[a, "a"], [b, "b"]] as const) await q.consume<{ key: string }>("ev", async ({ key }) => void taken.push(`${key} by ${by}`), affinity);
      const keys = Array.from({ length: 20 }, (_, i) => `h${i}`);
      // each process started its keys' work itself, as the executor starts an execution its process created
      keys.forEach((key, i) => (i % 2 ? b : a).hold("ev", key));
      const redis = new Redis(REDIS_URL!);
      await until(async () => (await Promise.all(keys.map((key) => redis.exists(`${p}:o:ev:${key}`)))).every(Boolean));
      await redis.quit();
      for (const key of keys) await sender.send("ev", { key }, { key });
      await until(() => taken.length === keys.length);
      // without the hold, a key's first message from a worker went to either consumer
      expect(taken.sort()).toEqual(keys.map((key, i) => `${key} by ${i % 2 ? "b" : "a"}`).sort());
      await Promise.all([a.close(), b.close(), sender.close()]);
    });

    it("a consumer that stops hands what was routed to it to the others at once", async () => {
      const p = prefix();
      // claims would take a minute: only the hand-back can deliver in time
      const [a, b] = [createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT60S" }), createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT60S" })];
      await Promise.all([a.init(), b.init()]);
      const byA: number[] = [];
      await a.consume<{ n: number }>("ev", async ({ n }) => void byA.push(n), affinity);
      await a.send("ev", { n: 1 }, { key: "k" });
      await until(() => byA.length === 1);
      const byB: Array<{ n: number; deliveries: number }> = [];
      await b.consume<{ n: number }>("ev", async ({ n }, d) => void byB.push({ n, deliveries: d.deliveries }), affinity);
      // a holds key k, and stops: k's next message must not wait in a's own stream for a claim timeout
      await a.close();
      await b.send("ev", { n: 2 }, { key: "k" });
      await until(() => byB.length === 1, 3000);
      expect(byB).toEqual([{ n: 2, deliveries: 1 }]);
      await b.close();
    });

    it("keeps holding an entry of its own stream whose id an entry of the channel's stream also has", async () => {
      const p = prefix();
      // claims come 0.6 s after the last heartbeat: the slow entry outlives that three times
      const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT0.6S" });
      await q.init();
      const got: Array<{ n: number; deliveries: number }> = [];
      await q.consume<{ n: number; ms: number }>("ev", async ({ n, ms }, d) => {
        got.push({ n, deliveries: d.deliveries });
        await new Promise((r) => setTimeout(r, ms));
      }, affinity);
      const redis = new Redis(REDIS_URL!);
      const [name] = await redis.hkeys(`${p}:s:ev:consumers`);
      // ids are per stream: two written in the same millisecond are both `<ms>-0`
      const id = `${Date.now() + 1000}-0`;
      await redis.xadd(`${p}:s:ev:c:${name}`, id, "m", JSON.stringify({ n: 1, ms: 2000 }), "k", "");
      await redis.xadd(`${p}:s:ev`, id, "m", JSON.stringify({ n: 2, ms: 0 }), "k", "");
      await until(() => got.length >= 2);
      // the quick one's end must not end the slow one's hold: unheld, it was claimed and delivered again
      await new Promise((r) => setTimeout(r, 2500));
      expect(got.sort((x, y) => x.n - y.n)).toEqual([
        { n: 1, deliveries: 1 },
        { n: 2, deliveries: 1 },
      ]);
      expect(await q.depth("ev")).toBe(0);
      redis.disconnect();
      await q.close();
    });

    it("hands the messages routed to a consumer that was killed (kill -9) to another, as repeated deliveries", async () => {
      const p = prefix();
      const script = `
        import { createRedisQueue } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
        const q = createRedisQueue({ type: "redis", url: ${JSON.stringify(REDIS_URL)}, prefix: ${JSON.stringify(p)}, claimTimeout: "PT0.6S" });
        await q.init();
        await q.consume("ev", async (m) => { console.log(JSON.stringify(m)); await new Promise(() => undefined); }, { keyAffinity: true, concurrency: 4 });
        console.log("ready");
      `;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      try {
        await until(() => out.includes("ready"));
        const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: p, claimTimeout: "PT0.6S" });
        await q.init();
        await q.send("ev", { n: 1 }, { key: "k" });
        await until(() => out.includes('{"n":1}'));
        // its mark on the key is written beside the message's handling (a lost mark only costs the routing): wait for it
        const redis = new Redis(REDIS_URL!);
        await until(async () => (await redis.exists(`${p}:o:ev:k`)) === 1);
        redis.disconnect();
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
        // routed to the dead consumer's own stream: its mark and its place in the live set are still there
        await q.send("ev", { n: 2 }, { key: "k" });
        const got: Array<{ n: number; deliveries: number }> = [];
        await q.consume<{ n: number }>("ev", async ({ n }, d) => void got.push({ n, deliveries: d.deliveries }), { keyAffinity: true, concurrency: 4 });
        await until(() => got.length === 2);
        expect(got.sort((x, y) => x.n - y.n)).toEqual([
          { n: 1, deliveries: 2 },
          { n: 2, deliveries: 2 },
        ]);
        // the key is the survivor's now
        await q.send("ev", { n: 3 }, { key: "k" });
        await until(() => got.length === 3);
        expect(got[2]).toEqual({ n: 3, deliveries: 1 });
        await q.close();
      } finally {
        child.kill("SIGKILL");
      }
    }, 20_000);
  });

  it("maps its driver's errors: a closed connection is an OperationalError (unavailable), naming Redis", async () => {
    const q = createRedisQueue({ type: "redis", url: REDIS_URL, prefix: prefix() });
    await q.init();
    await q.close();
    for (const call of [() => q.send("jobs", { n: 1 }), () => q.depth("jobs"), () => q.broadcast("news", {})]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OperationalError);
      expect(isUnavailable(error)).toBe(true);
      expect((error as Error).message).toBe("Redis is out of reach: Connection is closed.");
    }
  });
});

describe("redis queue errors", () => {
  it("a refused connection or a Redis that cannot serve now is an OperationalError; other replies pass as they are", async () => {
    const refused = await createRedisQueue({ type: "redis", url: "redis://127.0.0.1:1" }).init().then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(OperationalError);
    expect((refused as Error).message).toBe("cannot connect to Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1");
    for (const reply of ["LOADING Redis is loading the dataset in memory", "READONLY You can't write against a read only replica.", "OOM command not allowed when used memory > 'maxmemory'."]) {
      expect(redisError(new ReplyError(reply))).toBeInstanceOf(OperationalError);
    }
    expect(redisError(Object.assign(new Error("connect ECONNRESET"), { code: "ECONNRESET" }))).toBeInstanceOf(OperationalError);
    expect(redisError(new ReplyError("ERR unknown command 'XNOPE'"))).toBeUndefined();
    expect(redisError(new ReplyError("NOGROUP No such key"))).toBeUndefined();
  });
});
