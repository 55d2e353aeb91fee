import { z } from "zod";
import type { PluginRegistry } from "./registry.js";

type Schema = Record<string, unknown>;

/** a property's JSON Schema, as an editor checks what an author writes (the input side of coercions) */
export function propertiesSchema(properties: z.ZodType): Schema {
  const schema = z.toJSONSchema(properties, { io: "input", unrepresentable: "any" }) as Schema;
  delete schema.$schema;
  return schema;
}

/** a value may always be a template, rendered at run time */
const templated = (schema: unknown): Schema => ({ anyOf: [schema, { type: "string", pattern: "\\{\\{" }] });

const COMMON_TASK_PROPERTIES: Schema = {
  id: { type: "string", pattern: "^[a-zA-Z0-9][a-zA-Z0-9_-]*$" },
  description: { type: "string" },
  disabled: { type: "boolean" },
  allowFailure: { type: "boolean" },
  timeout: { type: "string", description: "ISO-8601 duration" },
  retry: { type: "object", properties: { type: { enum: ["constant", "exponential", "random"] }, interval: { type: "string" }, maxAttempt: { type: "integer" }, maxDuration: { type: "string" } } },
  workerGroup: { type: "object", properties: { key: { type: "string" } } },
  taskCache: { type: "object", required: ["enabled"], properties: { enabled: { type: "boolean" }, ttl: { type: "string", description: "ISO-8601 duration; no ttl: kept until purged" } } },
};

/**
 * One JSON Schema for flow files, from the loaded plugins' own definitions: every task and
 * trigger type (and alias) with its properties, child task lists of flowable tasks pointing
 * back at the task schema. For editors (`# yaml-language-server: $schema=…`).
 */
export function flowJsonSchema(registry: PluginRegistry): Schema {
  const tasks: Schema[] = [];
  for (const def of registry.taskDefinitions()) {
    const own = propertiesSchema(def.properties);
    const props: Schema = {};
    for (const [key, value] of Object.entries((own.properties as Schema | undefined) ?? {})) {
      const childList = def.kind === "flowable" && def.taskProperties.includes(key);
      props[key] = childList
        ? (value as Schema).type === "object"
          ? { type: "object", additionalProperties: { type: "array", items: { $ref: "#/$defs/task" } } }
          : { type: "array", items: { $ref: "#/$defs/task" } }
        : templated(value);
    }
    for (const type of [def.type, ...(def.aliases ?? [])]) {
      tasks.push({
        type: "object",
        title: def.title,
        description: def.description,
        properties: { ...COMMON_TASK_PROPERTIES, ...props, type: { const: type } },
        required: ["id", "type", ...((own.required as string[] | undefined) ?? [])],
      });
    }
  }
  const triggers: Schema[] = [];
  for (const def of registry.triggerDefinitions()) {
    const own = propertiesSchema(def.properties);
    const props = Object.fromEntries(Object.entries((own.properties as Schema | undefined) ?? {}).map(([k, v]) => [k, templated(v)]));
    for (const type of [def.type, ...(def.aliases ?? [])]) {
      triggers.push({
        type: "object",
        title: def.title,
        description: def.description,
        properties: { id: { type: "string" }, disabled: { type: "boolean" }, conditions: { type: "array", items: { type: "object", required: ["type"] } }, ...props, type: { const: type } },
        required: ["id", "type", ...((own.required as string[] | undefined) ?? [])],
      });
    }
  }
  const inputTypes = ["STRING", "INT", "FLOAT", "BOOLEAN", "DATETIME", "DATE", "TIME", "DURATION", "JSON", "YAML", "FILE", "SELECT", "MULTISELECT", "ARRAY", "URI", "EMAIL", "SECRET", "ENUM"];
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Ferry flow",
    type: "object",
    required: ["id", "namespace", "tasks"],
    properties: {
      id: { type: "string" },
      namespace: { type: "string" },
      description: { type: "string" },
      disabled: { type: "boolean" },
      labels: { anyOf: [{ type: "object" }, { type: "array" }] },
      variables: { type: "object" },
      inputs: { type: "array", items: { type: "object", required: ["id", "type"], properties: { id: { type: "string" }, type: { enum: inputTypes }, defaults: {}, required: { type: "boolean" }, description: { type: "string" } } } },
      outputs: { type: "array", items: { type: "object", required: ["id", "type", "value"], properties: { id: { type: "string" }, type: { enum: inputTypes }, value: {} } } },
      tasks: { type: "array", items: { $ref: "#/$defs/task" } },
      errors: { type: "array", items: { $ref: "#/$defs/task" } },
      finally: { type: "array", items: { $ref: "#/$defs/task" } },
      triggers: { type: "array", items: { $ref: "#/$defs/trigger" } },
      concurrency: { type: "object", properties: { limit: { type: "integer" }, behavior: { enum: ["QUEUE", "CANCEL", "FAIL"] } } },
      pluginDefaults: { type: "array", items: { type: "object", required: ["type", "values"] } },
    },
    $defs: { task: { anyOf: tasks }, trigger: { anyOf: triggers } },
  };
}
