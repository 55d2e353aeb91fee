export { NoHistoryStore, noHistoryBackend, noHistoryBackend as backend, noHistoryBackend as default } from "./none.history.js";
