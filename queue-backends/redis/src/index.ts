export { RedisQueue, createRedisQueue, redisError, redisQueueOptions, redisQueueBackend, redisQueueBackend as backend, redisQueueBackend as default } from "./redis.queue.js";
