export * from "./expressions/index.js";
export * from "./flow/flow.types.js";
export { parseFlow, formatPath } from "./flow/parse-flow.js";
export { childTaskLists, tasksAtPath, findTask } from "./flow/task-tree.js";
export { resolveInputs, typeOutputs, typeValue } from "./flow/inputs.js";
export { configSchema, type FerryConfig } from "./config/config.schema.js";
export { loadConfig, type LoadedConfig } from "./config/load-config.js";
export { PluginRegistry } from "./plugins/registry.js";
export { loadPlugins } from "./plugins/load-plugins.js";
