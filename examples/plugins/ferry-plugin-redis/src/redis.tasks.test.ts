import { runTask } from "@ferry/testkit";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { redisConnectionType } from "./redis.connection.js";
import { getTask, listPopTask, listPushTask, setTask } from "./redis.tasks.js";

// a real Redis: the machine's, through the test URL every Ferry test reads
const URL = process.env.FERRY_TEST_REDIS_URL;
if (!URL) console.warn("\n*** SKIPPING the redis example plugin's tests: set FERRY_TEST_REDIS_URL ***\n");

describe.skipIf(!URL)("redis tasks on a redis connection (example plugin)", () => {
  // each run under its own prefix, so parallel runs never meet
  const prefix = `ferry-example-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}:`;
  const url = new globalThis.URL(URL ?? "redis://127.0.0.1:6379");
  const values = { host: url.hostname, port: Number(url.port || 6379), keyPrefix: prefix, ...(url.password ? { password: "{{ secret('REDIS_PASSWORD') }}" } : {}) };
  const options = { secrets: { REDIS_PASSWORD: decodeURIComponent(url.password) }, connections: { cache: { type: "redis", values } }, connectionTypes: [redisConnectionType] };
  const admin = new Redis(URL ?? "redis://127.0.0.1:6379", { lazyConnect: true });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it("sets and gets strings and JSON under the connection's key prefix, with a ttl, returning the replaced value", async () => {
    expect((await runTask(setTask, { connection: "cache", key: "greeting", value: "hello" }, options)).outputs).toEqual({});
    expect(await admin.get(`${prefix}greeting`)).toBe("hello");
    expect((await runTask(getTask, { connection: "cache", key: "greeting" }, options)).outputs).toEqual({ key: "greeting", value: "hello" });
    const replaced = await runTask(setTask, { connection: "cache", key: "greeting", value: "world", get: true, ttl: "PT1H" }, options);
    expect(replaced.outputs).toEqual({ oldValue: "hello" });
    expect(await admin.pttl(`${prefix}greeting`)).toBeGreaterThan(3_500_000);
    await runTask(setTask, { connection: "cache", key: "greeting", value: { n: 1 }, serdeType: "JSON" }, options);
    await expect(runTask(setTask, { connection: "cache", key: "plain", value: "x", get: true, serdeType: "JSON" }, options)).resolves.toMatchObject({ outputs: { oldValue: null } });
    expect((await runTask(getTask, { connection: "cache", key: "greeting", serdeType: "JSON" }, options)).outputs).toEqual({ key: "greeting", value: { n: 1 } });
    expect((await runTask(getTask, { connection: "cache", key: "absent" }, options)).outputs).toEqual({ key: "absent", value: null });
    await expect(runTask(getTask, { connection: "cache", key: "absent", failOnMissing: true }, options)).rejects.toThrow("key absent not found on connection cache");
  });

  it("pushes to and pops from a list", async () => {
    expect((await runTask(listPushTask, { connection: "cache", key: "queue", from: ["a", "b", "c"] }, options)).outputs).toEqual({ count: 3 });
    expect((await runTask(listPopTask, { connection: "cache", key: "queue", count: 2 }, options)).outputs).toEqual({ values: ["a", "b"] });
    expect((await runTask(listPopTask, { connection: "cache", key: "queue", count: 5 }, options)).outputs).toEqual({ values: ["c"] });
    expect((await runTask(listPopTask, { connection: "cache", key: "queue" }, options)).outputs).toEqual({ values: [] });
  });

  it("tests a connection: PONG from the server, a clear failure where nothing listens", async () => {
    const parsed = redisConnectionType.schema.parse({ ...values, password: decodeURIComponent(url.password) || undefined });
    await expect(redisConnectionType.test!(parsed, { signal: AbortSignal.timeout(10_000) })).resolves.toBeUndefined();
    const nowhere = redisConnectionType.schema.parse({ host: "127.0.0.1", port: 1 });
    await expect(redisConnectionType.test!(nowhere, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow(/^Redis at 127\.0\.0\.1:1: .*ECONNREFUSED/);
    await expect(runTask(getTask, { connection: "cache", key: "k" }, { ...options, connections: { cache: { type: "http", values: {} } } })).rejects.toThrow("connection cache (namespace test) is of type http, not redis");
  });
});
