export * from "./expressions/index.js";
export * from "./flow/flow.types.js";
export { parseFlow, formatPath, sourceLine, yamlDocumentErrors } from "./flow/parse-flow.js";
export { duplicateKeys, linearKeyOptions, parseYamlText } from "./yaml-unique-keys.js";
export { applyTaskDefaults, PLUGIN_DEFAULTS_REF, taskDefaultsFor, unresolvedRefMessage, type PluginDefault } from "./flow/plugin-defaults.js";
export { writtenDoubles } from "./flow/written-doubles.js";
export { parseFlowForDeploy, type ConnectionLookup, type FlowLookup } from "./flow/deploy-flow.js";
export { connectionUses, type ConnectionUse } from "./flow/connection-uses.js";
export { subflowCalls, type SubflowCall } from "./flow/subflow-calls.js";
export {
  advancedExecutionsConditionSchema, conditionHolds, conditionsHold, executionsConditionSchema, isAdvancedExecutionsCondition, isExecutionsCondition, isMultipleCondition, multipleConditionSchema, type ConditionSpec, type ConditionExecution, type ConditionUse, type MultipleConditionSpec,
} from "./flow/conditions.js";
export { triggerHolds, whenHolds } from "./flow/trigger-when.js";
export { childTaskLists, tasksAtPath, findTask } from "./flow/task-tree.js";
export { resolveInputs, typeOutputs, typeValue } from "./flow/inputs.js";
export { nestInputs, resolveExecutionInputs, type InputEnvironment } from "./flow/resolve-inputs.js";
export { flowVariable, KESTRA_TENANT } from "./flow/flow-variable.js";
export { configSchema, type FerryConfig } from "./config/config.schema.js";
export { loadConfig, type LoadedConfig } from "./config/load-config.js";
export { redactConfig } from "./config/redact.js";
export { PluginRegistry } from "./plugins/registry.js";
export { loadPlugins } from "./plugins/load-plugins.js";
export { flowJsonSchema, propertiesSchema } from "./plugins/json-schema.js";
export { propertyRows, supportTable, type PropertyRow, type PropertyScope } from "./flow/support-table.js";
export { pluginDocPage } from "./plugins/plugin-docs.js";
export {
  createBackends, closeBackends, openRepository, checkBackends, configureBackend, resolveBackend, type Backends, type BackendSources, type BuiltInBackends, type BackendCheck, type ConfiguredBackend,
} from "./config/backends.js";
export { retryWhileUnavailable } from "./config/retry-start.js";
export { openHistory } from "./config/history.js";
export { historyBackendSection } from "./config/history-section.js";
