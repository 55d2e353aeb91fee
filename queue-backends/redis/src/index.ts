export { RedisQueue, createRedisQueue, redisQueueOptions } from "./redis.queue.js";
