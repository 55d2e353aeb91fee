export { RepositoryHistoryStore, repositoryHistoryBackend, repositoryHistoryBackend as backend, repositoryHistoryBackend as default } from "./repository.history.js";
export { bucketOf, countByBucket } from "./state-buckets.js";
