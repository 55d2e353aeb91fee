export { RepositoryHistoryStore, repositoryHistoryBackend, repositoryHistoryBackend as backend, repositoryHistoryBackend as default } from "./repository.history.js";
