import type { z } from "zod";
import type { PluginRegistry } from "../plugins/registry.js";
import { COMMON_TRIGGER_KEYS } from "./flow.schema.js";
import { COMMON_TASK_KEYS, type Flow, type TaskSpec } from "./flow.types.js";
import { childTaskLists } from "./task-tree.js";

export type PluginDefault = NonNullable<Flow["pluginDefaults"]>[number];

/** every name a task or trigger type answers to: its own, its aliases, the name the flow used */
function namesOf(type: string, definition: { type: string; aliases?: string[] } | undefined): string[] {
  return definition ? [type, definition.type, ...(definition.aliases ?? [])] : [type];
}

/**
 * Whether a default applies to a type, as Kestra decides it: its `type` is one of the type's
 * names (Kestra's full name, Ferry's short one, an alias — whichever the flow or the default
 * uses), or a prefix of one ending at a dot (`io.kestra.plugin.scripts` applies to every
 * script task).
 */
function applies(defaultType: string, names: string[]): boolean {
  return names.some((name) => name === defaultType || name.startsWith(`${defaultType}.`));
}

const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** `over` on top of `under`, maps merged key by key (Kestra's MapUtils.merge); lists and scalars replaced */
function merge(under: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...under };
  for (const [key, value] of Object.entries(over)) out[key] = isMap(value) && isMap(out[key]) ? merge(out[key] as Record<string, unknown>, value) : value;
  return out;
}

/** the property by which a task or trigger opts into the defaults of one `ref` (Kestra's pluginDefaultsRef) */
export const PLUGIN_DEFAULTS_REF = "pluginDefaultsRef";

/**
 * The flow's defaults applied to one task or trigger, in Kestra's PluginDefaultService order:
 * 1. type-matched defaults that are not forced fill what the spec leaves out, the first one
 *    first, unless the spec opts into a named default (`pluginDefaultsRef`);
 * 2. the named defaults (`ref`) apply only to a spec that names their ref, and only when one of
 *    them is for its type and no forced type-matched default applies (enforcement takes over):
 *    the last forced one, else the first, fills (or, forced, replaces) the spec's values; the
 *    `pluginDefaultsRef` marker is then consumed;
 * 3. forced type-matched defaults replace the spec's values, the last one winning.
 * A marker left means the ref does not resolve: parseFlow refuses it, a nested run fails.
 */
function withDefaults<T extends { type: string }>(spec: T, names: string[], given: PluginDefault[], takes?: (key: string) => boolean): T {
  let out = spec as Record<string, unknown>;
  const ref = out[PLUGIN_DEFAULTS_REF];
  // a default for a prefix reaches types that lack some of its properties: Kestra's non-strict
  // parse after injecting them drops those (PluginDefaultService.innerInjectDefault), so here too;
  // one for the type itself was checked property by property (checkDefaultValues)
  const defaults = takes
    ? given.map((d) => (names.includes(d.type) || !isMap(d.values) ? d : { ...d, values: Object.fromEntries(Object.entries(d.values).filter(([key]) => takes(key))) }))
    : given;
  const typed = defaults.filter((d) => d.ref === undefined && applies(d.type, names));
  if (ref === undefined) for (const d of typed) if (!d.forced) out = merge(d.values, out);
  if (typeof ref === "string") {
    const named = defaults.filter((d) => d.ref === ref);
    if (named.some((d) => applies(d.type, names))) {
      const forced = named.filter((d) => d.forced);
      const winner = forced.length ? forced[forced.length - 1] : named[0];
      if (!typed.some((d) => d.forced)) out = winner.forced ? merge(out, winner.values) : merge(winner.values, out);
      out = { ...out };
      delete out[PLUGIN_DEFAULTS_REF];
    }
  }
  for (const d of typed) if (d.forced) out = merge(out, d.values);
  return out as T;
}

/** why a `pluginDefaultsRef` left on a spec did not resolve */
export function unresolvedRefMessage(ref: unknown, type: string): string {
  return `pluginDefaultsRef '${String(ref).slice(0, 100)}' names no plugin default of this flow for ${type}: a pluginDefaults entry with ref: ${String(ref).slice(0, 100)} and a type that applies to it is needed`;
}

/** a flow's pluginDefaults applied to every task at any depth (flowable tasks' children too) */
export function applyTaskDefaults(tasks: TaskSpec[], defaults: PluginDefault[] | undefined, registry: PluginRegistry): TaskSpec[] {
  if (!defaults?.length) return tasks;
  return tasks.map((task) => {
    if (!isMap(task) || typeof task.type !== "string") return task;
    const definition = registry.task(task.type);
    const out = withDefaults(task, namesOf(task.type, definition), defaults, takenBy(definition, COMMON_TASK_KEYS));
    if (!definition) return out;
    for (const [path, list] of childTaskLists(definition, out)) {
      const applied = applyTaskDefaults(list as TaskSpec[], defaults, registry);
      replaceAt(out, path, applied);
    }
    return out;
  });
}

/** the defaults among `defaults` that may apply to a task of type `type` (by any of its names; a named one by its ref), in order */
export function taskDefaultsFor(type: string, defaults: PluginDefault[] | undefined, registry: PluginRegistry, ref?: string): PluginDefault[] {
  const names = namesOf(type, registry.task(type));
  return (defaults ?? []).filter((d) => (d.ref === undefined ? applies(d.type, names) : d.ref === ref));
}

/** a flow's pluginDefaults applied to its triggers */
export function applyTriggerDefaults<T extends { type: string }>(triggers: T[], defaults: PluginDefault[] | undefined, registry: PluginRegistry): T[] {
  if (!defaults?.length) return triggers;
  return triggers.map((trigger) => {
    if (!isMap(trigger) || typeof trigger.type !== "string") return trigger;
    const definition = registry.trigger(trigger.type);
    return withDefaults(trigger, namesOf(trigger.type, definition), defaults, takenBy(definition, COMMON_TRIGGER_KEYS));
  });
}

/** which keys a type takes (its own properties and what every task or trigger takes); undefined when unknown or open to any */
function takenBy(definition: { properties: z.ZodType } | undefined, common: ReadonlySet<string>): ((key: string) => boolean) | undefined {
  const keys = definition && declaredKeys(definition.properties);
  return keys ? (key) => keys.has(key) || common.has(key) : undefined;
}

/** puts a child list back where childTaskLists found it (`then`, or `cases.gold`), copying the maps on the way */
function replaceAt(spec: Record<string, unknown>, path: Array<string | number>, list: unknown[]): void {
  let at = spec;
  for (const key of path.slice(0, -1)) {
    const copy = { ...(at[key] as Record<string, unknown>) };
    at[key] = copy;
    at = copy;
  }
  const last = path[path.length - 1];
  // a single task where the flow wrote one (Pause's onPause, a Dag entry's task) stays a single task
  at[last] = Array.isArray(at[last]) ? list : list[0];
}


/** the property names an object schema declares; undefined when it takes any key (a loose object, a catchall) or is not an object */
function declaredKeys(schema: z.ZodType): Set<string> | undefined {
  let inner = schema as z.ZodType & { _zod: { def: Record<string, unknown> } };
  for (let i = 0; i < 10; i++) {
    const def = inner._zod.def as { type: string; in?: z.ZodType; innerType?: z.ZodType; shape?: Record<string, unknown>; catchall?: { _zod: { def: { type: string } } } };
    if (def.type === "pipe" && def.in) inner = def.in as typeof inner;
    else if ((def.type === "optional" || def.type === "default" || def.type === "prefault") && def.innerType) inner = def.innerType as typeof inner;
    else if (def.type === "object") return def.shape && (def.catchall === undefined || def.catchall._zod.def.type === "never") ? new Set(Object.keys(def.shape)) : undefined;
    else return undefined;
  }
  return undefined;
}

/**
 * Kestra's PluginDefaultValidator (PluginDefaultService.validateDefault): a default for a known
 * type names only properties of that type, refused where the default is written, in Kestra's
 * words. A default for a prefix (`io.kestra.plugin.scripts`) or an unknown type is not checked,
 * as in Kestra. Answers the problems and the defaults without the refused values, so the tasks
 * they would reach are not refused a second time for what they did not write.
 */
export function checkDefaultValues(defaults: PluginDefault[], registry: PluginRegistry): { problems: Array<{ index: number; key: string; message: string }>; defaults: PluginDefault[] } {
  const problems: Array<{ index: number; key: string; message: string }> = [];
  const cleaned = defaults.map((d, index) => {
    if (!isMap(d) || typeof d.type !== "string" || !isMap(d.values)) return d;
    const task = registry.task(d.type);
    const trigger = task ? undefined : registry.trigger(d.type);
    const definition = task ?? trigger;
    const keys = definition && declaredKeys(definition.properties);
    if (!keys) return d;
    const common = task ? COMMON_TASK_KEYS : COMMON_TRIGGER_KEYS;
    const unknown = Object.keys(d.values).filter((key) => !keys.has(key) && !common.has(key));
    if (!unknown.length) return d;
    for (const key of unknown) problems.push({ index, key, message: `Invalid Plugin Default: No property '${key}' exists in plugin '${d.type}'` });
    return { ...d, values: Object.fromEntries(Object.entries(d.values).filter(([key]) => !unknown.includes(key))) };
  });
  return { problems, defaults: cleaned };
}
