import { assertSafeKey, executionPrefix, newId, UserError, type ExecutionRecord } from "@ferry/sdk";

/** where an execution's records (inputs, outputs, plans) live: always the deployment's layout */
export const recordsPrefix = (execution: Pick<ExecutionRecord, "namespace" | "flowId" | "id">) => executionPrefix(execution.namespace, execution.flowId, execution.id);

/** where an execution's offloaded files go: its own storage prefix, or beside its records */
export const filesPrefix = (execution: Pick<ExecutionRecord, "namespace" | "flowId" | "id" | "storagePrefix">) => execution.storagePrefix ?? recordsPrefix(execution);

/**
 * The files prefix of an execution created with a storage prefix of its own (Flyte's
 * raw_data_path): `<root>/<executionId>`, so executions sharing a root never share a key.
 * A root may not reach into what Ferry keeps by name (`_kv`, `_files`, `executions`).
 */
export function customFilesPrefix(root: string, executionId: string): string {
  const trimmed = root.replace(/^\/+|\/+$/g, "");
  try {
    assertSafeKey(trimmed);
  } catch (error) {
    throw new UserError(`storagePrefix '${root}' is not a safe storage path`, { status: 400, cause: error });
  }
  const reserved = trimmed.split("/").find((part) => part.startsWith("_") || part === "executions");
  if (reserved) throw new UserError(`storagePrefix '${root}' uses '${reserved}', a name Ferry keeps for its own data`, { status: 400 });
  return `${trimmed}/${executionId}`;
}

/**
 * Where an execution's documents live under its records prefix
 * (`<namespace as path>/<flowId>/executions/<executionId>`). Outputs and plans sit flat in
 * the execution's folder, so a task run creates no folder of its own (folder creation
 * showed in benchmark profiles); files a task writes get a folder per task run.
 */
export const inputsKey = (prefix: string) => `${prefix}/inputs.json`;
export const triggerKey = (prefix: string) => `${prefix}/trigger.json`;
/** an execution's outputs; after a restart (its next attempt) under a key of its own, see `rewrittenKey` */
export const flowOutputsKey = (prefix: string, attempt?: number) => `${prefix}/outputs${attempt && attempt > 1 ? `.${attempt}` : ""}.json`;
/**
 * Outputs and files of a worker's attempt are keyed by the attempt too (fencing: a late
 * attempt that was given up writes beside the current one's, never over it). The first
 * attempt's keys carry no number; records the executor writes (attempt undefined) neither.
 */
const attemptSuffix = (attempt: number | undefined) => (attempt ? `.${attempt}` : "");
export const taskOutputsKey = (prefix: string, taskId: string, taskRunId: string, attempt?: number) => `${prefix}/${taskId}.${taskRunId}${attemptSuffix(attempt)}.outputs.json`;
export const planKey = (prefix: string, taskId: string, taskRunId: string) => `${prefix}/${taskId}.${taskRunId}.plan.json`;
/**
 * A loop's plan and outputs change at each iteration: each version gets its own key, as every
 * document is written once per key (workers and other executors cache documents by URI).
 */
export const loopPlanKey = (prefix: string, taskId: string, taskRunId: string, version: number) => `${prefix}/${taskId}.${taskRunId}.plan.v${version}.json`;
export const loopOutputsKey = (prefix: string, taskId: string, taskRunId: string, iteration: number) => `${prefix}/${taskId}.${taskRunId}.i${iteration}.outputs.json`;
export const taskFilesPrefix = (prefix: string, taskId: string, taskRunId: string, attempt?: number) => `${prefix}/files/${taskId}/${taskRunId}${attemptSuffix(attempt)}`;
/** an execution's variables after the task run that set them (SetVariables, UnsetVariables) */
export const variablesKey = (prefix: string, taskRunId: string) => `${prefix}/variables.${taskRunId}.json`;

/**
 * The key of a record's document the executor writes again (an Approval's outputs: its url, then
 * `due`, then the decision; a Pause's onResume; a Subflow's outputs at its child's end; a Pause's
 * or Approval's plan as it sleeps, elapses, fails, warns or is decided): the plain
 * key the first time, then one of its own each time, as a loop's plans and outputs are. Documents
 * are cached by URI in every process (JsonStore): under one key, a worker that read the first
 * version answered it for ever (an onApprove task read no decision).
 */
export const rewrittenKey = (key: string, previousUri: string | undefined) => (previousUri ? key.replace(/\.json$/, `.w${newId()}.json`) : key);

/**
 * The key of a new execution's inputs or trigger document (`inputsKey`, `triggerKey`): the plain
 * key when the create made its id itself (nobody else can create it), else one of the create's
 * own. A create under a given id (a trigger's once-only start and its takeover, a child created
 * twice, a create said again after a lost answer) may find the id taken and be refused: what it
 * wrote must not be the running execution's documents, which the plain key would overwrite.
 */
export const createdKey = (key: string, idGiven: boolean) => (idGiven ? key.replace(/\.json$/, `.c${newId()}.json`) : key);
