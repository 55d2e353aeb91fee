import { applyTaskDefaults, PLUGIN_DEFAULTS_REF, taskDefaultsFor, unresolvedRefMessage, type PluginDefault, type PluginRegistry, type TaskSpec } from "@ferry/core";
import { UserError, type RunContext, type TaskOutputs } from "@ferry/sdk";

/** keys a task declaration carries beside its type's properties that a nested run has no use for */
const DECLARATION_KEYS = new Set(["type", "id", "description"]);

const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * RunContext.runTask: runs a runnable task given as `{type, ...properties}` with the caller's
 * run context (Kestra's TemplatedTask). The properties were rendered by the caller from the
 * flow's template; they are not rendered again, and neither is anything the nested task asks
 * its context to render (principle 6: what a render produced may hold data, never a template).
 *
 * `flowDefaults` gives the calling flow's pluginDefaults: those of the nested task's type are
 * applied as on a task the flow declares — a property the spec leaves out is taken from a
 * default, a `forced` one replaces the spec's (Kestra's TemplatedTaskTest, ticket #2253). A
 * default's values are the flow author's templates, rendered once with the caller's context.
 * A spec naming a `pluginDefaultsRef` takes the defaults of that ref instead of its type's
 * (TemplatedTaskTest.shouldApplyDefaultWhenSpecDeclaresPluginDefaultsRefGivenNamedPluginDefault);
 * a ref that does not resolve fails the task.
 */
export async function runNestedTask(registry: PluginRegistry, spec: Record<string, unknown>, ctx: RunContext, flowDefaults?: () => Promise<PluginDefault[]>): Promise<TaskOutputs | void> {
  const type = spec.type;
  if (typeof type !== "string" || !type) throw new UserError("the task to run needs a 'type'");
  const definition = registry.task(type);
  if (!definition) throw new UserError(registry.unknownTypeMessage(type));
  if (definition.kind !== "runnable") throw new UserError(`The templated task must be a runnable task: ${type} is ${definition.kind === "flowable" ? "a flowable task" : "a subflow task"}`);
  const ref = spec[PLUGIN_DEFAULTS_REF];
  const defaults = flowDefaults ? taskDefaultsFor(type, await flowDefaults(), registry, typeof ref === "string" ? ref : undefined) : [];
  if (defaults.length) spec = await withFlowDefaults(registry, spec, defaults, ctx);
  // a named default that was applied consumed its marker; one left does not resolve (Kestra's PluginDefaultsCaseTest.pluginDefaultsRefNotFound)
  if (PLUGIN_DEFAULTS_REF in spec) throw new UserError(unresolvedRefMessage(spec[PLUGIN_DEFAULTS_REF], type));
  const raw = Object.fromEntries(Object.entries(spec).filter(([key]) => !DECLARATION_KEYS.has(key)));
  const parsed = definition.properties.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(task)"}: ${i.message}`).join("; ");
    throw new UserError(`the templated ${type} task is invalid: ${problems}`);
  }
  return definition.run({ ...ctx, render: async (template) => template }, parsed.data);
}

/** `spec` with the defaults applied; only the default values that can end up in the task are rendered */
async function withFlowDefaults(registry: PluginRegistry, spec: Record<string, unknown>, defaults: PluginDefault[], ctx: RunContext): Promise<Record<string, unknown>> {
  const rendered: PluginDefault[] = [];
  for (const d of defaults) {
    // a non-forced default gives only what the spec leaves out (or a map it merges into)
    const used = d.forced ? d.values : Object.fromEntries(Object.entries(d.values).filter(([key, value]) => !(key in spec) || (isMap(value) && isMap(spec[key]))));
    rendered.push({ ...d, values: (await ctx.render(used)) as Record<string, unknown> });
  }
  return applyTaskDefaults([spec as TaskSpec], rendered, registry)[0] as Record<string, unknown>;
}
