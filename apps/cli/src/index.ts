export { ApiClient, serverUrl } from "./client.js";
