export { MemoryQueue, createMemoryQueue, memoryQueueBackend, memoryQueueBackend as backend, memoryQueueBackend as default } from "./memory.queue.js";
export { PortQueue, servePortQueue, type MessageEndpoint, type ServedPort } from "./port-queue.js";
