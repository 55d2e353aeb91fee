export { MemoryQueue, createMemoryQueue, memoryQueueBackend, memoryQueueBackend as backend, memoryQueueBackend as default } from "./memory.queue.js";
