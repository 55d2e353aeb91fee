export { RepositoryHistoryStore, repositoryHistoryBackend, repositoryHistoryBackend as backend, repositoryHistoryBackend as default } from "./repository.history.js";
export { bucketOf, countByGroup } from "./state-buckets.js";
