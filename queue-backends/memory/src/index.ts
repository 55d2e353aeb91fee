export { MemoryQueue, createMemoryQueue } from "./memory.queue.js";
