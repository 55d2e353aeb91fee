export { startFerry, type FerryServer, type StartOptions } from "./ferry.js";
export { assertSafeBinding } from "./http/auth.js";
export { deployFlowsFromDir, type DeploySummary } from "./deploy-flows.js";
export { createApp } from "./http/app.js";
