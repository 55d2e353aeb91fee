export { ApiClient } from "./client/api-client.js";
export { resolveServer, type ServerTarget } from "./client/server-target.js";
export { EXIT } from "./exit-codes.js";
