export { LocalStorage, createLocalStorage, localStorageOptions } from "./local.storage.js";
