import { z } from "zod";
import { offerDeprecatedSpellings } from "../flow/deprecated-spellings.js";
import { flowSchema, taskSchema, triggerSchema } from "../flow/flow.schema.js";
import type { PluginRegistry } from "./registry.js";

type Schema = Record<string, unknown>;

/** a property's JSON Schema, as an editor checks what an author writes (the input side of coercions) */
export function propertiesSchema(properties: z.ZodType): Schema {
  const schema = z.toJSONSchema(properties, { io: "input", unrepresentable: "any", override: offerDeprecatedSpellings }) as Schema;
  delete schema.$schema;
  return schema;
}

/** a value may always be a template, rendered at run time */
const templated = (schema: unknown): Schema => ({ anyOf: [schema, { type: "string", pattern: "\\{\\{" }] });

/** the properties of an object schema, but the named ones (set per task or trigger type) */
function propertiesOf(schema: z.ZodType, without: string[]): Schema {
  const properties = { ...((propertiesSchema(schema).properties as Schema | undefined) ?? {}) };
  for (const key of without) delete properties[key];
  return properties;
}

/**
 * What the input parser takes or checks beyond its zod shapes, said in JSON Schema too, so an
 * editor agrees with the server: type BOOL (Kestra's older name) for BOOLEAN, and a SELECT or
 * MULTISELECT needs its values (or `options`) or an `expression` rendering them.
 */
function sayInputRules(inputs: Schema): void {
  const alternatives = ((inputs.items as Schema | undefined)?.oneOf ?? []) as Array<Schema & { properties: Record<string, Schema> }>;
  for (const input of alternatives) {
    const type = input.properties.type?.const;
    if (type === "BOOLEAN") input.properties.type = { enum: ["BOOLEAN", "BOOL"] };
    if (type === "SELECT" || type === "MULTISELECT") {
      const givenBy = ["values", "expression", ...(type === "MULTISELECT" ? ["options"] : [])];
      input.allOf = [...((input.allOf as Schema[] | undefined) ?? []), { anyOf: givenBy.map((key) => ({ required: [key] })) }];
    }
  }
}

/**
 * One JSON Schema for flow files, from the loaded plugins' own definitions and the flow
 * parser's own schemas: every task and trigger type (and alias) with its properties, child task
 * lists of flowable tasks pointing back at the task schema. Every object is closed
 * (`additionalProperties: false`), so an editor flags a typo as the server refuses it.
 * For editors (`# yaml-language-server: $schema=…`).
 */
/** a flowable's list (or map of lists) of child tasks, null too when its property is nullish (Switch's `defaults: null`) */
function childListSchema(value: Schema): Schema {
  const members = (value.anyOf as Schema[] | undefined) ?? [value];
  const nullable = members.some((member) => member.type === "null");
  const list = members.find((member) => member.type !== "null") ?? value;
  // one task (Pause's onPause: an object with its own id and type) or a map of lists (Switch's cases)
  const single = list.type === "object" && Boolean((list.properties as Schema | undefined)?.type);
  const tasks: Schema = single ? { $ref: "#/$defs/task" } : list.type === "object" ? { type: "object", additionalProperties: { type: "array", items: { $ref: "#/$defs/task" } } } : { type: "array", items: { $ref: "#/$defs/task" } };
  return nullable ? { anyOf: [tasks, { type: "null" }] } : tasks;
}

export function flowJsonSchema(registry: PluginRegistry): Schema {
  const common = propertiesOf(taskSchema, ["type"]);
  const flow = propertiesSchema(flowSchema);
  sayInputRules((flow.properties as { inputs: Schema }).inputs);
  /** a flowable's list of input definitions (Pause's onResume) is checked as the flow's inputs are */
  const inputList = (flow.properties as Schema).inputs;
  const tasks: Schema[] = [];
  for (const def of registry.taskDefinitions()) {
    if (def.internal) continue; // a flowable's own step: the server refuses it in a flow
    const own = propertiesSchema(def.properties);
    const props: Schema = {};
    for (const [key, value] of Object.entries((own.properties as Schema | undefined) ?? {})) {
      // a flowable that places its children itself (Dag's `tasks: [{task, dependsOn}]`) keeps its own schema
      const childList = def.kind === "flowable" && def.taskProperties.includes(key) && !def.taskLists;
      const inputs = def.kind === "flowable" && def.inputProperties?.includes(key);
      props[key] = inputs
        ? inputList
        : childList
        ? childListSchema(value as Schema)
        : templated(value);
    }
    for (const type of [def.type, ...(def.aliases ?? [])]) {
      tasks.push({
        type: "object",
        title: def.title,
        description: def.description,
        properties: { ...common, ...props, type: { const: type } },
        required: ["id", "type", ...((own.required as string[] | undefined) ?? [])],
        // a property that needs another (a script's containerImage its taskRunner), as the definition's schema says
        ...(own.dependentRequired ? { dependentRequired: own.dependentRequired } : {}),
        additionalProperties: false,
      });
    }
  }
  const commonTrigger = propertiesOf(triggerSchema, ["type"]);
  const triggers: Schema[] = [];
  for (const def of registry.triggerDefinitions()) {
    const own = propertiesSchema(def.properties);
    const props = Object.fromEntries(Object.entries((own.properties as Schema | undefined) ?? {}).map(([k, v]) => [k, templated(v)]));
    for (const type of [def.type, ...(def.aliases ?? [])]) {
      triggers.push({
        type: "object",
        title: def.title,
        description: def.description,
        properties: { ...commonTrigger, ...props, type: { const: type } },
        required: ["id", "type", ...((own.required as string[] | undefined) ?? [])],
        additionalProperties: false,
      });
    }
  }
  const taskLists = { type: "array", items: { $ref: "#/$defs/task" } };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Ferry flow",
    type: "object",
    required: flow.required,
    properties: { ...(flow.properties as Schema), tasks: taskLists, errors: taskLists, finally: taskLists, triggers: { type: "array", items: { $ref: "#/$defs/trigger" } } },
    additionalProperties: false,
    $defs: { task: byType("task", tasks), trigger: byType("trigger", triggers), ...defsByType("task", tasks), ...defsByType("trigger", triggers) },
  };
}

const typeOf = (schema: Schema) => ((schema.properties as Record<string, Schema>).type as { const: string }).const;

/** each type's schema under its own name: a validator then compiles one function per type, not one giant one (ajv overflowed its stack on five levels of nesting) */
function defsByType(kind: string, schemas: Schema[]): Record<string, Schema> {
  return Object.fromEntries(schemas.map((schema) => [`${kind}:${typeOf(schema)}`, schema]));
}

/**
 * One schema per `type`, chosen by it: `if` its type `then` its schema. An `anyOf` of them all
 * made a validator try every task type at every level of nesting (with all errors collected,
 * a Sequential in a ForEach in a Parallel cost ~100³ tries: 30 s for one flow); this tries one.
 */
function byType(kind: string, schemas: Schema[]): Schema {
  const types = schemas.map(typeOf);
  return {
    type: "object",
    required: ["type"],
    properties: { type: { enum: types } },
    allOf: types.map((type) => ({ if: { properties: { type: { const: type } }, required: ["type"] }, then: { $ref: `#/$defs/${kind}:${type}` } })),
  };
}
