export { RedisQueue, createRedisQueue, redisQueueOptions, redisQueueBackend, redisQueueBackend as backend, redisQueueBackend as default } from "./redis.queue.js";
