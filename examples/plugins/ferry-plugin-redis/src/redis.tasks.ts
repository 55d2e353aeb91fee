import { connectionProperty, defineTask, parseDuration, schema, UserError, z } from "@ferry/sdk";
import { withRedis, type RedisConnectionValues } from "./redis.connection.js";

const connection = connectionProperty<RedisConnectionValues>("redis");
/** values are kept as text: STRING as it is, JSON as its JSON (Kestra's serdeType) */
const serdeType = z.enum(["STRING", "JSON"]).default("STRING");

const encode = (value: unknown, type: "STRING" | "JSON") => (type === "JSON" ? JSON.stringify(value) : typeof value === "string" ? value : JSON.stringify(value));
function decode(text: string, type: "STRING" | "JSON", key: string): unknown {
  if (type === "STRING") return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`key ${key} does not hold JSON (serdeType: JSON): ${text.slice(0, 80)}`, { cause: error });
  }
}

export const getTask = defineTask({
  kind: "runnable",
  type: "redis.Get",
  title: "Redis GET",
  description: "Reads a key's value on a `redis` connection; `value` is null when the key is absent (or fails, with `failOnMissing`).",
  properties: z.strictObject({ connection, key: z.string().min(1), serdeType, failOnMissing: schema.bool().default(false) }),
  outputs: z.object({ key: z.string(), value: z.unknown() }),
  async run(ctx, props) {
    const text = await withRedis(props.connection.values, (redis) => redis.get(props.key));
    if (text === null && props.failOnMissing) throw new UserError(`key ${props.key} not found on connection ${props.connection.id}`);
    return { key: props.key, value: text === null ? null : decode(text, props.serdeType, props.key) };
  },
});

export const setTask = defineTask({
  kind: "runnable",
  type: "redis.Set",
  title: "Redis SET",
  description: "Sets a key on a `redis` connection, with an optional expiry (`ttl`, ISO-8601); `get: true` returns the value it replaced.",
  properties: z.strictObject({ connection, key: z.string().min(1), value: z.unknown(), serdeType, ttl: schema.duration().optional(), get: schema.bool().default(false) }),
  outputs: z.object({ oldValue: z.unknown().optional() }),
  async run(ctx, props) {
    if (props.value === undefined) throw new UserError("redis.Set needs a value");
    const text = encode(props.value, props.serdeType);
    const ttlMs = props.ttl ? parseDuration(props.ttl) : undefined;
    const old = await withRedis(props.connection.values, async (redis) => {
      const before = props.get ? await redis.get(props.key) : null;
      if (ttlMs !== undefined) await redis.set(props.key, text, "PX", ttlMs);
      else await redis.set(props.key, text);
      return before;
    });
    return props.get ? { oldValue: old === null ? null : decode(old, props.serdeType, props.key) } : {};
  },
});

export const listPushTask = defineTask({
  kind: "runnable",
  type: "redis.ListPush",
  title: "Redis RPUSH",
  description: "Appends values to a list on a `redis` connection; `count` is the list's length after.",
  properties: z.strictObject({ connection, key: z.string().min(1), from: z.array(z.unknown()).min(1), serdeType }),
  outputs: z.object({ count: z.number() }),
  async run(ctx, props) {
    const count = await withRedis(props.connection.values, (redis) => redis.rpush(props.key, ...props.from.map((v) => encode(v, props.serdeType))));
    return { count };
  },
});

export const listPopTask = defineTask({
  kind: "runnable",
  type: "redis.ListPop",
  title: "Redis LPOP",
  description: "Takes up to `count` values from the head of a list on a `redis` connection (fewer when it is shorter).",
  properties: z.strictObject({ connection, key: z.string().min(1), count: schema.int({ min: 1, max: 10_000 }).default(1), serdeType }),
  outputs: z.object({ values: z.array(z.unknown()) }),
  async run(ctx, props) {
    const texts = await withRedis(props.connection.values, (redis) => redis.lpop(props.key, props.count));
    return { values: (texts ?? []).map((t) => decode(t, props.serdeType, props.key)) };
  },
});
