export { LocalStorage, createLocalStorage, localStorageOptions, localStorageBackend, localStorageBackend as backend, localStorageBackend as default } from "./local.storage.js";
