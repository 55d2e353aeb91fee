import { assertNesting, assertStorableText, MAX_NESTING, triggerKindProperties, UserError, type ErrorDetail } from "@ferry/sdk";
import { LineCounter, parseDocument, isMap, type Document } from "yaml";
import type { z } from "zod";
import { checkTemplate } from "../expressions/index.js";
import type { PluginRegistry } from "../plugins/registry.js";
import { conditionProblem } from "./conditions.js";
import { inputDependencyProblems } from "./input-dependencies.js";
import { dashedInputReferences, dashedOutputReferences } from "./input-references.js";
import { COMMON_TRIGGER_KEYS, flowSchema, taskSchema } from "./flow.schema.js";
import { inputSchema } from "./input.schema.js";
import { invalidFlowError } from "./invalid-flow.error.js";
import { triggerInputProblems } from "./literal-inputs.js";
import { COMMON_TASK_KEYS, type Flow, type TaskSpec } from "./flow.types.js";
import { applyTaskDefaults, applyTriggerDefaults, checkDefaultValues, PLUGIN_DEFAULTS_REF, unresolvedRefMessage } from "./plugin-defaults.js";
import { formatPath, SourceMap, type Path } from "./source-map.js";
import { subflowCalls } from "./subflow-calls.js";
import { childTaskLists, tasksAtPath } from "./task-tree.js";
import { noteWrittenDoubles } from "./written-doubles.js";
import { duplicateKeyMessage, duplicateKeys, linearKeyOptions } from "../yaml-unique-keys.js";

/** the one system label a flow may carry (Kestra's Label.READ_ONLY) */
export const READ_ONLY_LABEL = "system.readOnly";

export { formatPath };

/** flow keys the rest of the parser reads: when they do not parse, it stops at the flow-level errors */
const STRUCTURAL = new Set(["tasks", "errors", "finally", "afterExecution", "triggers", "pluginDefaults", "taskDefaults", "inputs", "outputs", "labels"]);

/** the line of a property path in a flow's YAML source (for refusals made after parsing) */
export function sourceLine(source: string, path: Path): number | undefined {
  return SourceMap.of(source).line(path);
}

/**
 * Parses and validates a flow's YAML against the flow shape and every task type's own
 * property schema. Throws one UserError (422) listing every problem with its path and line.
 */
export function parseFlow(source: string, registry: PluginRegistry): Flow {
  try {
    return parseFlowSource(source, registry);
  } catch (error) {
    // the recursive parts (the YAML composer, validation) meet a nesting the checks below did not see
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new UserError(`the flow is nested too deeply to read (at most ${MAX_NESTING} levels)`, { errors: [{ message: "nested too deeply" }] });
    }
    throw error;
  }
}

/**
 * A YAML document's parse errors and keys written twice, each with its line, in the order
 * written, and one message naming the first; the parser's own stack overflow on deep nesting
 * reads as the nesting limit. The document is parsed with the library's key check off
 * (`linearKeyOptions`: it is quadratic) and `lines` counting its text.
 */
export function yamlDocumentErrors(doc: Document, lines: LineCounter): { message: string; errors: ErrorDetail[] } | undefined {
  const found = [
    ...doc.errors.map((e) => ({
      offset: e.pos[0],
      message: /call stack/i.test(e.message) ? `nested too deeply (at most ${MAX_NESTING} levels)` : e.message.split("\n")[0],
      line: e.linePos?.[0].line,
    })),
    ...duplicateKeys(doc, lines).map((d) => ({ offset: d.offset, message: duplicateKeyMessage(d), line: d.line })),
  ].sort((a, b) => a.offset - b.offset);
  if (!found.length) return undefined;
  const errors = found.map(({ message, line }) => ({ message, line }));
  return { message: `invalid YAML: ${errors[0].message}${errors[0].line ? ` (line ${errors[0].line})` : ""}`, errors };
}

function parseFlowSource(source: string, registry: PluginRegistry): Flow {
  // YAML allows no C0 control characters but tab and line breaks, and databases cannot store NUL
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.exec(source);
  if (control) {
    const line = source.slice(0, control.index).split("\n").length;
    throw new UserError(`invalid YAML: control character U+${control[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()} at line ${line}`, { errors: [{ message: "control character", line }] });
  }
  const lines = new LineCounter();
  const doc = parseDocument(source, linearKeyOptions({ lineCounter: lines, prettyErrors: true }));
  const yamlErrors = yamlDocumentErrors(doc, lines);
  if (yamlErrors) throw new UserError(yamlErrors.message, { errors: yamlErrors.errors });
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    // the yaml library's guard against alias bombs (billion laughs)
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new UserError("invalid YAML: its aliases expand too far (an alias bomb?); the yaml library's maxAliasCount of 100 applies", { errors: [{ message: error.message }] });
    }
    throw error;
  }
  assertNesting(raw, "the flow");
  const map = new SourceMap(doc, lines);
  if (!isMap(doc.contents) || raw === null || typeof raw !== "object") {
    throw new UserError("a flow must be a YAML map with id, namespace and tasks", { errors: [{ message: "not a map", line: 1 }] });
  }
  const errors: ErrorDetail[] = [];
  const add = (path: Path, message: string) => errors.push({ path: formatPath(path), message, line: map.line(path) });
  const addIssues = (base: Path, issues: z.core.$ZodIssue[], value: unknown) => {
    for (const issue of issues) {
      const path = [...base, ...(issue.path as Path)];
      // each unknown key on its own line, named: a typo (`levle`) points at itself
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) add([...path, key], `unknown property '${key}'`);
        continue;
      }
      const at = valueAt(value, issue.path as Path);
      if (isTemplated(at)) continue;
      add(path, plainMessage(issue.message, path, at));
    }
  };

  renameCheckWhen(raw as Record<string, unknown>, add);
  renameBoolOutputs(raw as Record<string, unknown>);
  const parsed = flowSchema.safeParse(raw);
  if (!parsed.success) addIssues([], parsed.error.issues, raw);
  const flow = raw as Flow;
  // a flow-level refusal (an unknown or unsupported key) still lets its tasks be checked: all problems at once
  const readable = parsed.success || parsed.error.issues.every((issue) => issue.path.length === 0 ? issue.code === "unrecognized_keys" : !STRUCTURAL.has(String(issue.path[0])));
  if (readable) {
    flow.labels = normaliseLabels(flow.labels as unknown);
    for (const [key, value] of Object.entries(flow.labels ?? {})) {
      // Kestra's FlowValidator: no system label but system.readOnly, which marks the flow read-only in the UI
      // (docs concepts/system-labels); executions never inherit a flow's system labels (LabelService.labelsExcludingSystem)
      if (key.startsWith("system.") && key !== READ_ONLY_LABEL) add(["labels", key], `System labels can only be set by Kestra itself, offending label: ${key}=${value}`);
      for (const text of [key, value]) {
        try {
          assertStorableText(text, `label ${key}`);
        } catch (error) {
          add(["labels", key], (error as Error).message);
        }
      }
    }
    for (const key of ["pluginDefaults", "taskDefaults"] as const) {
      const defaults = (flow as { [k in typeof key]?: Flow["pluginDefaults"] })[key];
      if (!Array.isArray(defaults)) continue;
      const checked = checkDefaultValues(defaults, registry);
      for (const problem of checked.problems) add([key, problem.index, "values", problem.key], problem.message);
      (flow as { [k in typeof key]?: Flow["pluginDefaults"] })[key] = checked.defaults;
    }
    const { taskDefaults } = flow as { taskDefaults?: Flow["pluginDefaults"] };
    if (taskDefaults) {
      flow.pluginDefaults = [...taskDefaults, ...(flow.pluginDefaults ?? [])];
      delete (flow as { taskDefaults?: unknown }).taskDefaults;
    }
    delete (flow as { revision?: unknown }).revision;
    // `deleted: false` (the only value the schema lets through) says what every deployed flow is
    delete (flow as { deleted?: unknown }).deleted;
    const seen = new Set<string>();
    for (const key of ["tasks", "errors", "finally", "afterExecution"] as const) {
      if (Array.isArray(flow[key])) {
        flow[key] = applyTaskDefaults(flow[key] as TaskSpec[], flow.pluginDefaults, registry);
        validateTasks(flow[key] as unknown[], [key], registry, seen, add, addIssues);
      }
    }
    foldListeners(flow, (tasks, path) => {
      const applied = applyTaskDefaults(tasks as TaskSpec[], flow.pluginDefaults, registry);
      validateTasks(applied, path, registry, seen, add, addIssues);
      return applied;
    });
    if (flow.triggers) flow.triggers = applyTriggerDefaults(flow.triggers, flow.pluginDefaults, registry);
    for (const [i, trigger] of (flow.triggers ?? []).entries()) {
      if (trigger.labels) {
        trigger.labels = normaliseLabels(trigger.labels);
        for (const key of Object.keys(trigger.labels ?? {})) {
          // Kestra's AbstractTrigger.labels are List<@NoSystemLabelValidation Label>
          if (key.startsWith("system.")) add(["triggers", i, "labels", key], `System labels can only be set by Kestra itself, offending label: ${key}`);
        }
      }
      const def = registry.trigger(trigger.type);
      if (!def) add(["triggers", i, "type"], registry.unknownTriggerMessage(trigger.type));
      else {
        if (PLUGIN_DEFAULTS_REF in trigger) add(["triggers", i, PLUGIN_DEFAULTS_REF], unresolvedRefMessage(trigger[PLUGIN_DEFAULTS_REF as never], trigger.type));
        const props = withoutKeys(trigger, COMMON_TRIGGER_KEYS);
        const result = def.properties.safeParse(props);
        if (!result.success) addIssues(["triggers", i], result.error.issues, props);
        for (const key of keysNotIn(def.properties, props)) add(["triggers", i, key], `unknown property '${key}' of ${trigger.type}`);
        if (result.success && def.kind) {
          // the server reads a trigger of a kind through that kind's properties: a plugin's type must give them
          const ofKind = triggerKindProperties[def.kind].safeParse(result.data);
          if (!ofKind.success) addIssues(["triggers", i], ofKind.error.issues, result.data);
        }
        for (const [key, value] of Object.entries(props)) checkTemplates(value, ["triggers", i, key], add);
      }
      if (typeof trigger.when === "string") checkTemplates(trigger.when, ["triggers", i, "when"], add);
      const conditions = (trigger as { conditions?: unknown }).conditions;
      if (conditions !== undefined && !Array.isArray(conditions)) add(["triggers", i, "conditions"], "conditions must be a list");
      for (const [j, condition] of (Array.isArray(conditions) ? conditions : []).entries()) {
        // a kind's conditions: execution conditions belong to Flow triggers, where there is an upstream execution
        const problem = conditionProblem(condition, def?.kind === "schedule" ? "schedule" : def?.kind === "webhook" || def?.kind === "polling" ? "webhook" : "flow");
        if (problem) add(["triggers", i, "conditions", j], problem);
      }
    }
    // Kestra's FlowValidation: a flow whose Subflow task calls the flow itself is refused
    for (const call of subflowCalls(flow, registry)) {
      if (call.namespace === flow.namespace && call.flowId === flow.id) add(call.path, `Recursive call to flow [${flow.namespace}.${flow.id}]`);
    }
    checkUnique(flow.triggers ?? [], "triggers", add);
    checkPreconditionIds(flow, registry, add);
    for (const [i, output] of (flow.outputs ?? []).entries()) checkTemplates(output.value, ["outputs", i, "value"], add);
    checkUnique(flow.inputs ?? [], "inputs", add);
    for (const problem of inputDependencyProblems(flow.inputs ?? [])) add(problem.path, problem.message);
    const dashed = dashedInputReferences(flow, registry);
    if (dashed) add(["inputs"], dashed);
    for (const problem of dashedOutputReferences(flow, registry)) add(problem.path, problem.message);
    // what a trigger gives the flow's inputs, once those parsed: a literal that breaks a rule would fail every start
    if (!errors.some((e) => e.path?.startsWith("inputs"))) for (const problem of triggerInputProblems(flow, registry)) add(problem.path, problem.message);
    checkUnique(flow.outputs ?? [], "outputs", add);
  }
  if (errors.length) throw invalidFlowError(errors);
  noteWrittenDoubles(flow, doc, source);
  return flow;
}

function validateTasks(
  tasks: unknown[],
  base: Path,
  registry: PluginRegistry,
  seen: Set<string>,
  add: (path: Path, message: string) => void,
  addIssues: (base: Path, issues: z.core.$ZodIssue[], value: unknown) => void,
  /** the list is one a flowable made itself, not one the flow wrote */
  made = false,
  /** the flow wrote one task at `base`, not a list */
  single = false,
) {
  for (const [i, task] of tasks.entries()) {
    const path = single ? base : [...base, i];
    if (task && typeof task === "object" && "when" in task) renameWhen(task as Record<string, unknown>, path, add);
    const shape = taskSchema.safeParse(task);
    if (!shape.success) {
      addIssues(path, shape.error.issues, task);
      continue;
    }
    const spec = task as TaskSpec;
    if (seen.has(spec.id)) add([...path, "id"], `duplicate task id '${spec.id}'`);
    seen.add(spec.id);
    const def = registry.task(spec.type);
    if (!def) {
      add([...path, "type"], registry.unknownTypeMessage(spec.type));
      continue;
    }
    if (def.internal && !made) add([...path, "type"], `${spec.type} is a step Ferry makes for another task (such as core.ForEachItem's); a flow cannot name it`);
    // applying the defaults consumed every pluginDefaultsRef that resolved (Kestra's FlowService refuses the others)
    if (PLUGIN_DEFAULTS_REF in spec && !made) add([...path, PLUGIN_DEFAULTS_REF], unresolvedRefMessage(spec[PLUGIN_DEFAULTS_REF], spec.type));
    const props = withoutKeys(spec, COMMON_TASK_KEYS);
    // a step a flowable made holds the flowable's own values, checked (and refused, once) where the flow wrote them
    const result = made ? undefined : def.properties.safeParse(props);
    if (result && !result.success) addIssues(path, result.error.issues, props);
    if (!made) for (const key of keysNotIn(def.properties, props)) add([...path, key], `unknown property '${key}' of ${spec.type}`);
    if (def.kind === "flowable") for (const key of def.inputProperties ?? []) validateInputList(spec, key, path, add, addIssues);
    const childKeys = new Set(def.kind === "flowable" ? def.taskProperties : []);
    for (const [key, value] of Object.entries(props)) if (!childKeys.has(key)) checkTemplates(value, [...path, key], add);
    for (const [subPath, list] of childTaskLists(def, spec)) {
      const written = tasksAtPath(spec, subPath.map(String)).length > 0;
      // one task where a list would be (a Dag's `task`, Pause's onPause): its path has no index
      const single = written && !Array.isArray(valueAt(spec, subPath));
      validateTasks(list, [...path, ...subPath], registry, seen, add, addIssues, !written, single);
    }
    if (def.kind === "flowable" && def.sharedFolder) validateSharedFolderTasks(spec, path, registry, add);
  }
}

/**
 * Kestra's listeners (deprecated; conditions refused by the schema): their tasks run at the
 * execution's end before afterExecution's, as Kestra's handleListeners resolves them, so the
 * engine sees them as the head of afterExecution.
 */
function foldListeners(flow: Flow, check: (tasks: unknown[], path: Path) => TaskSpec[]) {
  const { listeners } = flow as { listeners?: unknown };
  if (!Array.isArray(listeners)) return;
  const folded: TaskSpec[] = [];
  listeners.forEach((listener: unknown, i) => {
    const tasks = (listener as { tasks?: unknown } | null)?.tasks;
    if (Array.isArray(tasks)) folded.push(...check(tasks, ["listeners", i, "tasks"]));
  });
  if (folded.length) flow.afterExecution = [...folded, ...(flow.afterExecution ?? [])];
  delete (flow as { listeners?: unknown }).listeners;
}

/**
 * `when` is Kestra's other name for `runIf` (its TaskWithWhenTest runs the runIf flows with
 * it and asserts the same states). parseFlow returns the document it read, so the rename
 * happens in the document: the engine only ever reads runIf. Both written and different is refused.
 */
function renameWhen(task: Record<string, unknown>, path: Path, add: (path: Path, message: string) => void) {
  if (task.runIf === undefined || task.runIf === task.when) {
    task.runIf = task.when;
    delete task.when;
  } else add([...path, "when"], "'when' and 'runIf' are Kestra's two names for one condition: give one of them");
}

/**
 * Kestra 2.0 renamed a flow check's `condition` to `when` (migration guide "checks-condition-renamed-when"),
 * `condition` staying a deprecated alias: the document is given `condition`, which the engine reads.
 */
function renameCheckWhen(flow: Record<string, unknown>, add: (path: Path, message: string) => void) {
  if (!Array.isArray(flow.checks)) return;
  for (const [i, check] of flow.checks.entries()) {
    if (!check || typeof check !== "object" || !("when" in check)) continue;
    const c = check as Record<string, unknown>;
    if (c.condition === undefined || c.condition === c.when) {
      c.condition = c.when;
      delete c.when;
    } else add(["checks", i, "when"], "'when' and 'condition' are Kestra's two names for a check's condition: give one of them");
  }
}

/** Kestra 2.0 names a boolean flow output BOOL, as its inputs (flows-changes: "BOOLEAN to BOOL"); the engine reads BOOLEAN */
function renameBoolOutputs(flow: Record<string, unknown>) {
  if (!Array.isArray(flow.outputs)) return;
  for (const output of flow.outputs) if (output && typeof output === "object" && (output as { type?: unknown }).type === "BOOL") (output as { type: string }).type = "BOOLEAN";
}

/**
 * A WorkingDirectory's `tasks` run on one worker, in one folder (Kestra's
 * WorkingDirectoryTaskValidation: runnable tasks only, no worker group of their own).
 */
function validateSharedFolderTasks(spec: TaskSpec, path: Path, registry: PluginRegistry, add: (path: Path, message: string) => void) {
  const tasks = (spec as Record<string, unknown>).tasks;
  if (!Array.isArray(tasks)) return;
  tasks.forEach((child: unknown, i) => {
    if (!child || typeof child !== "object") return;
    const { type, workerGroup } = child as { type?: unknown; workerGroup?: unknown };
    const def = typeof type === "string" ? registry.task(type) : undefined;
    if (def && def.kind !== "runnable") add([...path, "tasks", i, "type"], `Only runnable tasks are allowed as children of a WorkingDirectory task: ${type} is not`);
    if (workerGroup !== undefined) add([...path, "tasks", i, "workerGroup"], "Cannot set a Worker Group in any WorkingDirectory sub-tasks, it is only supported at the WorkingDirectory level");
  });
}

/**
 * A task property holding input definitions (Pause's `onResume`): each is held to the flow
 * inputs' schema, ids unique, and kept in its parsed (normalised) form for those who type values with it.
 */
function validateInputList(spec: TaskSpec, key: string, path: Path, add: (path: Path, message: string) => void, addIssues: (base: Path, issues: z.core.$ZodIssue[], value: unknown) => void) {
  const list = (spec as Record<string, unknown>)[key];
  if (!Array.isArray(list)) return;
  const parsed: unknown[] = [];
  list.forEach((input, i) => {
    const result = inputSchema.safeParse(input);
    if (result.success) parsed.push(result.data);
    else addIssues([...path, key, i], result.error.issues, input);
  });
  const seen = new Set<unknown>();
  list.forEach((input, i) => {
    const id = (input as { id?: unknown } | null)?.id;
    if (seen.has(id)) add([...path, key, i, "id"], `duplicate input id '${String(id)}' in ${key}`);
    seen.add(id);
  });
  if (parsed.length === list.length) (spec as Record<string, unknown>)[key] = parsed;
}

function checkTemplates(value: unknown, path: Path, add: (path: Path, message: string) => void) {
  if (typeof value === "string") {
    try {
      checkTemplate(value);
    } catch (error) {
      add(path, (error as Error).message);
    }
  } else if (Array.isArray(value)) value.forEach((v, i) => checkTemplates(v, [...path, i], add));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) checkTemplates(v, [...path, k], add);
}

/**
 * Kestra's FlowValidator: the `preconditions.id` of the flow's Flow triggers are unique (it keys
 * the state each one keeps of the executions it has seen).
 */
function checkPreconditionIds(flow: Flow, registry: PluginRegistry, add: (path: Path, message: string) => void) {
  const seen = new Map<string, number>();
  const duplicates = new Map<string, number>();
  for (const [i, trigger] of (flow.triggers ?? []).entries()) {
    if (registry.trigger(trigger.type)?.kind !== "flow") continue;
    const id = (trigger as { preconditions?: { id?: unknown } }).preconditions?.id;
    if (typeof id !== "string") continue;
    if (seen.has(id) && !duplicates.has(id)) duplicates.set(id, i);
    else seen.set(id, i);
  }
  for (const [id, i] of duplicates) add(["triggers", i, "preconditions", "id"], `Duplicate preconditions with id [${id}]: each Flow trigger's preconditions need an id of their own`);
}

function checkUnique(items: Array<{ id: string }>, key: string, add: (path: Path, message: string) => void) {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) add([key, i, "id"], `duplicate ${key.slice(0, -1)} id '${item.id}'`);
    seen.add(item.id);
  });
}

/**
 * Keys a plain `z.object` schema would silently strip: a plugin's schema written without
 * strictObject is held to its keys all the same. A strict schema reports them itself, and a
 * loose one (looseObject, catchall) takes any key by choice.
 */
function keysNotIn(schema: z.ZodType, value: Record<string, unknown>): string[] {
  let inner = schema as z.ZodType & { _zod: { def: Record<string, unknown> } };
  for (let i = 0; i < 10; i++) {
    const def = inner._zod.def as { type: string; in?: z.ZodType; innerType?: z.ZodType; shape?: Record<string, unknown>; catchall?: unknown };
    if (def.type === "pipe" && def.in) inner = def.in as typeof inner;
    else if ((def.type === "optional" || def.type === "default" || def.type === "prefault") && def.innerType) inner = def.innerType as typeof inner;
    else if (def.type === "object") return def.catchall === undefined && def.shape ? Object.keys(value).filter((key) => !(key in def.shape!)) : [];
    else return [];
  }
  return [];
}

function normaliseLabels(labels: unknown): Record<string, string> | undefined {
  if (!labels) return undefined;
  if (Array.isArray(labels)) return Object.fromEntries(labels.map((l: { key: string; value: unknown }) => [l.key, String(l.value)]));
  return Object.fromEntries(Object.entries(labels as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

function withoutKeys(object: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) if (!keys.has(k)) out[k] = v;
  return out;
}

/**
 * zod's generic words for a property left out, null or an empty list, said as Kestra's
 * validation says them ("must not be null", "must not be empty"), naming the property.
 * Any message a schema chose itself is kept.
 */
function plainMessage(message: string, path: Path, value: unknown): string {
  const key = [...path].reverse().find((part) => typeof part === "string");
  const name = key === undefined ? "the value" : `'${key}'`;
  if (value === undefined && /^Invalid input(: expected \w+, received undefined)?$/.test(message)) return `missing required property ${name}`;
  if (value === null && /^Invalid input(: expected \w+, received null)?$/.test(message)) return `${name} must not be null`;
  if (/^Too small: expected array to have >=1 items?$/.test(message)) return `${name} must not be empty`;
  return message;
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function isTemplated(value: unknown): boolean {
  return typeof value === "string" && /\{\{|\{%/.test(value);
}

