import { Redis } from "ioredis";

/**
 * What FLUSHALL does to one deployment, without touching suites running beside it: every key
 * under its prefix deleted in one atomic step (a Lua script), as FLUSHALL is. KEYS then DEL
 * from the client left a window in which a send made both an idempotency key (kept: created
 * after KEYS) and a stream entry (deleted with its stream), so the re-send was refused as a
 * duplicate and its execution stuck — a loss no real Redis causes.
 */
export async function loseRedisData(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    await redis.eval(`for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end return 1`, 0, `${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}
