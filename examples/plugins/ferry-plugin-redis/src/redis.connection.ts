import { defineConnectionType, errorMessage, schema, UserError, z } from "@ferry/sdk";
import { Redis } from "ioredis";

export const redisConnectionValues = z.strictObject({
  host: z.string().min(1),
  port: schema.int({ min: 1, max: 65535 }).default(6379),
  /** the database number */
  db: schema.int({ min: 0, max: 15 }).default(0),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  tls: schema.bool().default(false),
  /** put before every key the tasks name (`app:`), so a connection keeps to its part of the keyspace */
  keyPrefix: z.string().default(""),
});

export type RedisConnectionValues = z.infer<typeof redisConnectionValues>;

/** an ioredis client on the connection: fails fast instead of queueing commands while out of reach; the caller quits it */
export function openRedis(values: RedisConnectionValues): Redis {
  return new Redis({
    host: values.host, port: values.port, db: values.db, username: values.username, password: values.password, keyPrefix: values.keyPrefix,
    ...(values.tls ? { tls: {} } : {}),
    lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 10_000, retryStrategy: () => null,
  });
}

/** runs fn on a fresh client, then quits it; a connection failure names where */
export async function withRedis<T>(values: RedisConnectionValues, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = openRedis(values);
  // ioredis tells why a connect failed in an 'error' event; the awaited connect() only says "Connection is closed"
  let why: unknown;
  redis.on("error", (error) => (why = error));
  try {
    try {
      await redis.connect();
    } catch (error) {
      throw new UserError(`Redis at ${values.host}:${values.port}: ${errorMessage(why ?? error)}`, { cause: why ?? error });
    }
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** A Redis server (or a database of one): where, as whom, the password from a secret, and a key prefix. */
export const redisConnectionType = defineConnectionType({
  type: "redis",
  title: "Redis",
  description: "host, port, db, username and password (a secret), tls, and a keyPrefix every key goes under.",
  schema: redisConnectionValues,
  secretFields: ["password"],
  async test(values) {
    await withRedis(values, async (redis) => {
      const answer = await redis.ping();
      if (answer !== "PONG") throw new UserError(`Redis at ${values.host}:${values.port} answered ${answer} to PING`);
    });
  },
});
