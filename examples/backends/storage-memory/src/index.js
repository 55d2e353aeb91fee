// @ts-check
// `storage: { type: ./examples/backends/storage-memory }` imports this file and takes its default export.
export { MemoryStorage, memoryStorageBackend as default } from "./memory.storage.js";
