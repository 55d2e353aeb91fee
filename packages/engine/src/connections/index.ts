export { assertConnectionId, checkConnection, parseConnectionInput, secretReferences, shownConnection, type ConnectionInput } from "./connection-input.js";
export { findConnection, namespaceLineage } from "./connection-lookup.js";
export { resolveConnection } from "./resolve-connection.js";
