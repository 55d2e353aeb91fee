import { nestInputs } from "@ferry/core";
import { eachIterations, executionStatistic, maskSecretInputs, plusStatistic, type JsonStore } from "@ferry/engine";
import { PurgedError, type ExecutionRecord, type FlowRecord, type TaskRunRecord } from "@ferry/sdk";

/** Resolves a stored document for an answer; bytes removed by retention answer as purged. */
async function resolve(store: JsonStore, uri: string | undefined): Promise<unknown> {
  if (!uri) return undefined;
  try {
    return await store.read(uri);
  } catch (error) {
    if (error instanceof PurgedError) return { purged: true, uri, message: error.message };
    throw error;
  }
}

const labelList = (labels: Record<string, string>) => Object.entries(labels).map(([key, value]) => ({ key, value }));

/** An execution in Kestra's JSON shape, inputs and outputs read from storage. */
export async function executionJson(store: JsonStore, execution: ExecutionRecord, taskRuns: TaskRunRecord[]) {
  const outputs = new Map<string, Promise<unknown>>(taskRuns.map((run) => [run.id, resolve(store, run.outputsUri)]));
  // Kestra's metadata.taskRunStatistic: the task runs of its Loops' iterations, which its task-run list does not hold (LoopCaseTest)
  // and the task runs its LoopUntils dropped with each iteration (ExecutionMetadata.taskRunStatistic)
  const taskRunStatistic = plusStatistic(await executionStatistic(taskRuns, (run) => outputs.get(run.id)!), execution.discardedTaskRuns);
  // Kestra's TaskRun.iteration: a loop's own children are numbered by their value's place (ForEachTest.iteration)
  const iterations = eachIterations(taskRuns);
  return {
    id: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    flowRevision: execution.flowRevision,
    state: execution.state,
    // a dotted input id nests, as Kestra answers inputs
    inputs: nestInputs(maskSecretInputs((await resolve(store, execution.inputsUri)) ?? {}) as Record<string, unknown>),
    outputs: await resolve(store, execution.outputsUri),
    // Kestra's Execution.variables: what SetVariables / UnsetVariables made of them (TaskWithWhenTest.executionUpdatingTask,
    // SetVariablesTest read execution.getVariables()); absent while no task changed them
    ...(execution.variablesUri ? { variables: await resolve(store, execution.variablesUri) } : {}),
    labels: labelList(execution.labels),
    trigger: execution.trigger
      ? { id: execution.trigger.id, type: execution.trigger.type, variables: await resolve(store, execution.trigger.variablesUri) }
      : undefined,
    parentId: execution.parent?.executionId ?? execution.replayOf,
    // Kestra's kind and loopRun: a Loop's iteration, a sub-execution of its parent
    ...(execution.kind ? { kind: execution.kind } : {}),
    ...(execution.loopRun ? { loopRun: loopRunJson(execution) } : {}),
    originalId: execution.originalId ?? execution.id,
    // Kestra's scheduleDate: when a CREATED execution starts
    ...(execution.scheduleDate ? { scheduleDate: execution.scheduleDate } : {}),
    // Kestra's ExecutionMetadata: attemptNumber (a restart, a markAs and a retry in a new execution each take the next:
    // ExecutionService.restart's metadata.nextAttempt(), ExecutionServiceTest.changeStateWithErrorBranch), originalCreatedDate
    metadata: {
      attemptNumber: execution.attemptNumber ?? 1,
      originalCreatedDate: execution.originalCreated ?? execution.created,
      ...(taskRunStatistic ? { taskRunStatistic } : {}),
    },
    taskRunList: await Promise.all(
      taskRuns.map(async (run) => ({
        id: run.id,
        executionId: run.executionId,
        namespace: execution.namespace,
        flowId: execution.flowId,
        taskId: run.taskId,
        parentTaskRunId: run.parentTaskRunId ?? null,
        value: run.value ?? null,
        ...(iterations.has(run.id) ? { iteration: iterations.get(run.id) } : {}),
        state: run.state,
        // a flowable's run has Kestra 1.2's one attempt too, the engine's (flowable-attempt.ts)
        attempts: run.attempts.map((a) => ({ state: a.state, workerId: a.workerId, ...(a.cached ? { cached: true } : {}), ...(a.logFile ? { logFile: a.logFile } : {}) })),
        outputs: (await outputs.get(run.id)) ?? null,
        ...(run.subflowExecutionId ? { subflowExecutionId: run.subflowExecutionId } : {}),
      })),
    ),
  };
}

/** a Loop iteration's LoopRun as Kestra answers it: its Loop's task and task run, the parent execution, its item and the enclosing ones (the outputs it reads stay pointers inside Ferry) */
function loopRunJson(execution: ExecutionRecord) {
  const { taskId, taskRunId, index, value, key, parents } = execution.loopRun!;
  return { taskId, taskRunId, parentId: execution.parent?.executionId, index, value, ...(key !== undefined ? { key } : {}), parents };
}

/** A flow in Kestra's JSON shape: its YAML fields plus revision and source. */
export function flowJson(record: FlowRecord, parsed: object) {
  // Kestra's Flow always carries `disabled` (false unless the YAML says true); its SDKs require it
  const disabled = (parsed as { disabled?: unknown }).disabled === true;
  return { ...parsed, id: record.id, namespace: record.namespace, disabled, revision: record.revision, deleted: record.deleted, updated: record.updated, source: record.source };
}
