import type { PluginRegistry } from "@ferry/core";
import { UserError, type RunContext, type TaskOutputs } from "@ferry/sdk";

/** keys a task declaration carries beside its type's properties that a nested run has no use for */
const DECLARATION_KEYS = new Set(["type", "id", "description"]);

/**
 * RunContext.runTask: runs a runnable task given as `{type, ...properties}` with the caller's
 * run context (Kestra's TemplatedTask). The properties were rendered by the caller from the
 * flow's template; they are not rendered again, and neither is anything the nested task asks
 * its context to render (principle 6: what a render produced may hold data, never a template).
 */
export async function runNestedTask(registry: PluginRegistry, spec: Record<string, unknown>, ctx: RunContext): Promise<TaskOutputs | void> {
  const type = spec.type;
  if (typeof type !== "string" || !type) throw new UserError("the task to run needs a 'type'");
  const definition = registry.task(type);
  if (!definition) throw new UserError(registry.unknownTypeMessage(type));
  if (definition.kind !== "runnable") throw new UserError(`The templated task must be a runnable task: ${type} is ${definition.kind === "flowable" ? "a flowable task" : "a subflow task"}`);
  const raw = Object.fromEntries(Object.entries(spec).filter(([key]) => !DECLARATION_KEYS.has(key)));
  const parsed = definition.properties.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(task)"}: ${i.message}`).join("; ");
    throw new UserError(`the templated ${type} task is invalid: ${problems}`);
  }
  return definition.run({ ...ctx, render: async (template) => template }, parsed.data);
}
