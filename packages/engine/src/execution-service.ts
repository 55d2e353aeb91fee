import { resolveExecutionInputs, type Callable, type Flow } from "@ferry/core";
import {
  assertStorableText, executionPrefix, parseZonedDateTime, isStorageUri, namespaceFilesPrefix, newId, OperationalError, storageKeyOf, toStorageUri, UserError, type AesGcm, type ExecutionRecord, type Queue, type TaskRunRecord, AlreadyExistsError, ConflictError,
  type Repository,
} from "@ferry/sdk";
import { ExecutionState, newState, transition } from "./executor/execution-state.js";
import { admitRestart } from "./executor/concurrency-limit.js";
import { blockedByChecks, CHECK_LOG_LEVEL, failedChecks, type FailedChecks } from "./flow-checks.js";
import type { EngineEvents } from "./events.js";
import type { JsonStore } from "./json-store.js";
import { copyTaskRunData, keptTaskRuns, readForReplay, type StoredExecution } from "./replay.js";
import { openSecretInputs, sealSecretInputs } from "./secret-inputs.js";
import { createdKey, inputsKey, triggerKey, variablesKey } from "./storage-keys.js";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "./messages.js";

/** how this process's executor takes the new executions this service makes (Executor.start) */
export interface StartHere {
  /** a saved execution's `created` event, handled here: false when it is not taken (it goes through the queue) */
  created(executionId: string): boolean;
  /**
   * a new execution NOT yet saved: its `created` event handled here, its row inserted by that
   * event's save; settles once written ("exists": the id was taken, nothing written), `inserted`
   * called first. Undefined when it is not taken (the caller saves it and announces it).
   */
  startNew(execution: ExecutionRecord, inserted: () => void): Promise<"inserted" | "exists"> | undefined;
}

export interface CreateExecutionRequest {
  flow: Flow;
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
  trigger?: { id: string; type: string; variables?: Record<string, unknown> };
  parent?: { executionId: string; taskRunId: string };
  /** the execution's id, when the caller already stored files under it (FILE inputs) */
  id?: string;
  /** where the execution's files go, as given by `customFilesPrefix` (records stay in the deployment's layout) */
  storagePrefix?: string;
  /**
   * Labels only Ferry sets (`system.*`): a subflow's or triggered execution's
   * `system.correlationId` is its upstream's. Kestra's own, the flow's and the caller's
   * `system.*` labels never reach an execution another way.
   */
  systemLabels?: Record<string, string>;
  /** the first execution of the chain this one continues (a replay, a retry in a new execution) */
  originalId?: string;
  /** this execution's attempt of the flow, from 1 (retry.behavior CREATE_NEW_EXECUTION) */
  attemptNumber?: number;
  /** Kestra's scheduleDate, ISO-8601: the execution is created now and waits CREATED until then (executor/scheduled-start.ts) */
  scheduleDate?: string;
  /** a Flow trigger's execution: a required input it is not given is left out, not refused (InputEnvironment.requiredMayBeAbsent) */
  requiredInputsMayBeAbsent?: boolean;
  /** how many subflow() calls deep this execution's inputs render (Kestra's SubflowFunction counts them per thread) */
  functionDepth?: number;
}

/** Kestra's reserved label prefix: labels only the orchestrator sets */
export const SYSTEM_LABEL_PREFIX = "system.";
export const CORRELATION_ID_LABEL = "system.correlationId";
/** Kestra's label on an execution made by replaying another one */
export const REPLAY_LABEL = "system.replay";

/**
 * An execution's labels as Kestra's Execution.newExecution makes them: the flow's and the
 * caller's, without `system.*` ones, then Ferry's own; `system.correlationId` is the
 * execution's own id unless an upstream execution gave its own.
 */
export function executionLabels(flowLabels: Record<string, string> | undefined, given: Record<string, string> | undefined, system: Record<string, string> | undefined, id: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const source of [flowLabels ?? {}, given ?? {}]) {
    for (const [key, value] of Object.entries(source)) if (!key.startsWith(SYSTEM_LABEL_PREFIX)) labels[key] = value;
  }
  Object.assign(labels, system);
  labels[CORRELATION_ID_LABEL] ??= id;
  return labels;
}

/** the source's state history, then RESTARTED */
function restartedState(from: ExecutionRecord, now: string): ExecutionRecord["state"] {
  const state = structuredClone(from.state);
  transition(state, "RESTARTED", now);
  return state;
}

/** the request's scheduleDate as an instant, or a 422 naming it when it is not a date-time with an offset */
function scheduleDateOf(request: CreateExecutionRequest): Date | undefined {
  if (request.scheduleDate === undefined) return undefined;
  const at = parseZonedDateTime(request.scheduleDate);
  if (!at) throw new UserError(`scheduleDate '${request.scheduleDate.slice(0, 60)}' is not a date-time with an offset, such as 2026-01-31T12:00:00Z`, { status: 422 });
  return at;
}

/** undeclared inputs named one per log line; the rest are counted in one */
const MAX_UNDECLARED_WARNINGS = 100;

/**
 * Creates executions: types the inputs (422 on bad ones, nothing created), stores them in
 * internal storage, saves the record with their URI, and tells the executor.
 */
export class ExecutionService {
  /** the executor of this process, while it takes new executions' `created` events itself (startHere) */
  private starter?: StartHere;

  constructor(
    private readonly repository: Repository,
    private readonly store: JsonStore,
    private readonly queue: Queue,
    private readonly events?: EngineEvents,
    /** seals SECRET inputs before they are stored */
    private readonly encryption?: AesGcm,
    /**
     * what input templates (defaults, expression, dependsOn) may call for a namespace: kv(), subflow() `depth` calls deep,
     * and, given `reveal` (an execution's own inputs, which seal what it reports), secret()
     */
    private readonly inputFunctions?: (namespace: string, depth?: number, reveal?: (secret: string) => void) => Record<string, Callable>,
  ) {}

  newId(): string {
    return newId();
  }

  /** what input templates may call for a namespace (kv()): the same for a Pause's onResume inputs */
  inputFunctionsFor(namespace: string): Record<string, Callable> | undefined {
    return this.inputFunctions?.(namespace);
  }

  /** checks what `create` would refuse (disabled flow, bad inputs) without writing anything; answers the typed inputs */
  async validate(request: CreateExecutionRequest, reveal: (secret: string) => void = () => undefined): Promise<Record<string, unknown>> {
    const { flow } = request;
    if (flow.disabled) throw new UserError(`flow ${flow.namespace}.${flow.id} is disabled`);
    scheduleDateOf(request);
    for (const [key, value] of Object.entries(request.labels ?? {})) {
      if (key.startsWith(SYSTEM_LABEL_PREFIX)) throw new UserError(`System labels can only be set by Kestra itself, offending label: ${key}=${value}`, { status: 422 });
      assertStorableText(key, `label key '${key}'`, 422);
      if (typeof value !== "string") throw new UserError(`label ${key}: the value must be text`, { status: 422 });
      assertStorableText(value, `label ${key}`, 422);
    }
    return resolveExecutionInputs(flow.inputs, request.inputs ?? {}, {
      flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision },
      ...(request.id ? { execution: { id: request.id } } : {}),
      functions: this.inputFunctions?.(flow.namespace, request.functionDepth, reveal),
      ...(request.requiredInputsMayBeAbsent ? { requiredMayBeAbsent: true } : {}),
    });
  }

  /**
   * A subflow's FILE inputs often name files of the parent execution (Kestra passes
   * `{{ outputs.task.uri }}` on): each is copied under the child, whose tasks read only their
   * own execution's and namespace's files, and which then outlives a purge of the parent.
   */
  private async copyParentFiles(flow: CreateExecutionRequest["flow"], inputs: Record<string, unknown>, filesRoot: string): Promise<void> {
    const { storage } = this.store;
    const ownNamespaceFiles = `${namespaceFilesPrefix(flow.namespace)}/`;
    for (const input of flow.inputs ?? []) {
      const value = inputs[input.id];
      if (input.type !== "FILE" || !isStorageUri(value)) continue;
      const key = storageKeyOf(value);
      if (key.startsWith(ownNamespaceFiles)) continue;
      const bytes = await storage.get(key);
      if (!bytes) throw new UserError(`input ${input.id}: ${value} was purged from internal storage`, { status: 410 });
      const copy = `${filesRoot}/inputs/${input.id}/${key.slice(key.lastIndexOf("/") + 1)}`;
      await storage.put(copy, bytes);
      inputs[input.id] = toStorageUri(copy);
    }
  }

  /**
   * A new execution of `source`'s flow (Kestra's replay): the same inputs, trigger, labels
   * (with `system.replay`) and parent link, its files copied so it outlives a purge of the
   * source; `fromTaskRunId` keeps every task run but that one's successors in the flow, outputs and all.
   * It continues the source's chain: same originalId, next attemptNumber. `id`: the new
   * execution's, when the caller chose it (a claim made in its name).
   */
  async replay(source: StoredExecution, flow: Flow, fromTaskRunId?: string, id = newId()): Promise<ExecutionRecord> {
    return (await this.replayWithRuns(source, flow, fromTaskRunId, id)).execution;
  }

  /** replay, answering the task runs as saved too: a replay from a task run answers RESTARTED, as Kestra's does, before the executor moves it on */
  async replayWithRuns(source: StoredExecution, flow: Flow, fromTaskRunId?: string, id = newId()): Promise<StoredExecution> {
    const from = source.execution;
    const prefix = executionPrefix(flow.namespace, flow.id, id);
    const kept = fromTaskRunId ? keptTaskRuns(source, fromTaskRunId, id, flow) : undefined;
    const inputsUri = await this.copyInputs(from, flow, id, prefix);
    const now = new Date().toISOString();
    const execution: ExecutionRecord = {
      id,
      namespace: flow.namespace,
      flowId: flow.id,
      flowRevision: flow.revision ?? from.flowRevision,
      // from a task run: the source's history and RESTARTED (Kestra's replay: execution.withState(RESTARTED)), which the executor starts
      state: kept ? restartedState(from, now) : newState("CREATED", now),
      inputsUri,
      labels: { ...from.labels, [REPLAY_LABEL]: "true" },
      trigger: await this.copyTrigger(from, prefix),
      parent: from.parent,
      storagePrefix: prefix,
      originalId: from.originalId ?? from.id,
      replayOf: from.id,
      attemptNumber: (from.attemptNumber ?? 1) + 1,
      originalCreated: from.originalCreated ?? from.created,
      created: now,
      updated: now,
    };
    if (from.variablesUri) execution.variablesUri = await this.store.write(variablesKey(prefix, id), await readForReplay(this.store, from, from.variablesUri, "variables"));
    const runs = kept?.runs ?? [];
    for (const run of runs) {
      const original = source.taskRuns.find((r) => kept!.ids.get(r.id) === run.id)!;
      if (original.id === kept!.restarted) continue; // runs again: nothing of its last run to carry
      await copyTaskRunData(this.store, from, execution, original, run);
    }
    if (this.queue.available?.() === false) throw new OperationalError("the queue is out of reach; the execution was not replayed, retry later");
    await this.repository.saveExecution(execution, runs);
    // the executor's memory of a new execution holds no task runs: a replay that keeps some is read back instead
    if (!runs.length) this.events?.emit("created", execution);
    const saved = structuredClone({ execution, taskRuns: runs });
    // made RESTARTED: a Flow trigger naming that state hears it, as it hears a restart's (the executor's saves announce the states after it)
    if (kept) {
      this.events?.emit("execution", {
        executionId: id, namespace: execution.namespace, flowId: execution.flowId, state: "RESTARTED", entered: [{ state: "RESTARTED", transition: execution.state.histories.length }],
      });
    }
    await this.announce(id);
    return saved;
  }

  /**
   * Kestra's ExecutionService.restart with a revision (ExecutionServiceTest.restartSimpleRevision):
   * the restart happens in a NEW execution (new id, parent = the source) on that revision of the
   * flow. Made here as a copy of the source as it ended (every task run, new ids, outputs and
   * files copied, its state and history, `system.restarted` then set by the restart itself),
   * which the executor's restart then restarts. Its concurrency slot is taken before the copy is
   * saved, so a refusal leaves nothing behind.
   */
  async restartCopy(source: StoredExecution, flow: Flow, id = newId()): Promise<ExecutionRecord> {
    const from = source.execution;
    const prefix = executionPrefix(flow.namespace, flow.id, id);
    const ids = new Map(source.taskRuns.map((r) => [r.id, newId()]));
    const runs: TaskRunRecord[] = source.taskRuns.map((r) => ({
      ...structuredClone({ ...r, state: r.state, attempts: r.attempts, outputsUri: r.outputsUri }),
      id: ids.get(r.id)!,
      executionId: id,
      parentTaskRunId: r.parentTaskRunId ? ids.get(r.parentTaskRunId) : undefined,
    }));
    const inputsUri = await this.copyInputs(from, flow, id, prefix);
    const now = new Date().toISOString();
    const execution: ExecutionRecord = {
      id,
      namespace: flow.namespace,
      flowId: flow.id,
      flowRevision: flow.revision ?? from.flowRevision,
      state: structuredClone(from.state),
      inputsUri,
      labels: { ...from.labels },
      trigger: await this.copyTrigger(from, prefix),
      parent: from.parent,
      storagePrefix: prefix,
      originalId: from.originalId ?? from.id,
      replayOf: from.id,
      ...(from.attemptNumber ? { attemptNumber: from.attemptNumber } : {}),
      originalCreated: from.originalCreated ?? from.created,
      created: now,
      updated: now,
    };
    if (from.variablesUri) execution.variablesUri = await this.store.write(variablesKey(prefix, id), await readForReplay(this.store, from, from.variablesUri, "variables"));
    for (const run of runs) await copyTaskRunData(this.store, from, execution, source.taskRuns.find((r) => ids.get(r.id) === run.id)!, run);
    const refused = await admitRestart(new ExecutionState(execution, runs, flow), this.repository);
    if (refused) throw new ConflictError(refused);
    await this.repository.saveExecution(execution, runs);
    return execution;
  }

  /**
   * The source's inputs written again under a replay's or a restart copy's id (`prefix`), FILE
   * inputs copied with them; what was sealed in the source (SECRET inputs, and those a secret()
   * default filled) is sealed again, under the new id.
   */
  private async copyInputs(from: ExecutionRecord, flow: Flow, id: string, prefix: string): Promise<string | undefined> {
    if (!from.inputsUri) return undefined;
    const resealed = new Set<string>();
    const inputs = await openSecretInputs(await readForReplay<Record<string, unknown>>(this.store, from, from.inputsUri, "inputs"), from.id, this.encryption, (secret) => resealed.add(secret));
    await this.copyFileInputs(flow, inputs, from, prefix);
    return this.store.write(inputsKey(prefix), await sealSecretInputs(flow.inputs, inputs, id, this.encryption, resealed));
  }

  /** the source's trigger, its variables written again under `prefix` */
  private async copyTrigger(from: ExecutionRecord, prefix: string): Promise<ExecutionRecord["trigger"]> {
    if (!from.trigger) return undefined;
    return { ...from.trigger, variablesUri: from.trigger.variablesUri ? await this.store.write(triggerKey(prefix), await readForReplay(this.store, from, from.trigger.variablesUri, "trigger")) : undefined };
  }

  /** FILE inputs of the source execution, copied under the replay (its own files only; namespace files stay shared) */
  private async copyFileInputs(flow: Flow, inputs: Record<string, unknown>, from: ExecutionRecord, prefix: string): Promise<void> {
    const own = `${executionPrefix(from.namespace, from.flowId, from.id)}/`;
    const files = `${from.storagePrefix ?? own.slice(0, -1)}/`;
    for (const input of flow.inputs ?? []) {
      const value = inputs[input.id];
      if (input.type !== "FILE" || !isStorageUri(value)) continue;
      const key = storageKeyOf(value);
      if (!key.startsWith(own) && !key.startsWith(files)) continue;
      const bytes = await this.store.storage.get(key);
      if (!bytes) throw new UserError(`execution ${from.id} cannot be replayed: its input ${input.id} (${value}) was purged from internal storage`, { status: 410 });
      const copy = `${prefix}/inputs/${input.id}/${key.slice(key.lastIndexOf("/") + 1)}`;
      await this.store.storage.put(copy, bytes);
      inputs[input.id] = toStorageUri(copy);
    }
  }

  async create(request: CreateExecutionRequest): Promise<ExecutionRecord> {
    return (await this.createNew(request)).execution;
  }

  /**
   * As `create`, saying whether this create inserted the execution: false when its id was taken
   * (two creators of one id; see `create`), this create writing nothing — its inputs and trigger
   * documents went under keys of its own (`createdKey`), removed again.
   */
  async createNew(request: CreateExecutionRequest): Promise<{ execution: ExecutionRecord; inserted: boolean }> {
    const { flow } = request;
    // the secret() values its inputs' templates read: the inputs holding one are stored sealed, as SECRET ones
    const revealed = new Set<string>();
    const inputs = await this.validate(request, (secret) => revealed.add(secret));
    // saved but never announced, an execution would wait for the reconciler: refuse it now (503)
    if (this.queue.available?.() === false) throw new OperationalError("the queue is out of reach; the execution was not created, retry later");
    const id = request.id ?? newId();
    const failed = await failedChecks(flow, inputs, { executionId: id, functions: this.inputFunctions?.(flow.namespace, request.functionDepth) });
    if (failed?.behavior === "BLOCK_EXECUTION") throw blockedByChecks(failed);
    const prefix = executionPrefix(flow.namespace, flow.id, id);
    if (request.parent) await this.copyParentFiles(flow, inputs, request.storagePrefix ?? prefix);
    const now = new Date().toISOString();
    const execution: ExecutionRecord = {
      id,
      namespace: flow.namespace,
      flowId: flow.id,
      flowRevision: flow.revision ?? 1,
      state: newState("CREATED", now),
      inputsUri: flow.inputs?.length ? await this.store.write(createdKey(inputsKey(prefix), request.id !== undefined), await sealSecretInputs(flow.inputs, inputs, id, this.encryption, revealed)) : undefined,
      labels: executionLabels(flow.labels, request.labels, request.systemLabels, id),
      trigger: request.trigger
        ? {
            id: request.trigger.id,
            type: request.trigger.type,
            variablesUri: request.trigger.variables ? await this.store.write(createdKey(triggerKey(prefix), request.id !== undefined), request.trigger.variables) : undefined,
          }
        : undefined,
      parent: request.parent,
      storagePrefix: request.storagePrefix ?? prefix,
      ...(request.originalId ? { originalId: request.originalId } : {}),
      ...(request.attemptNumber ? { attemptNumber: request.attemptNumber } : {}),
      ...(request.scheduleDate ? { scheduleDate: scheduleDateOf(request)!.toISOString() } : {}),
      created: now,
      updated: now,
    };
    // FAIL_EXECUTION: the execution exists, FAILED from its creation; no task runs
    if (failed?.behavior === "FAIL_EXECUTION") transition(execution.state, "FAILED", now);
    // started here, its row goes in with its first event's save (Executor.startNew); under a
    // concurrency limit its slot is taken first, which a repair must not find ownerless: saved first
    const first = failed?.behavior === "FAIL_EXECUTION" || flow.concurrency ? undefined : this.starter?.startNew(execution, () => this.queue.hold?.(EXECUTOR_CHANNEL, id));
    // the id was taken (two creators of one claimed id, or a create said again after its answer was
    // lost): the other's execution, nothing written here. An insert on either path: an upsert would
    // set the row back to CREATED at version 0 under the task runs it has, which would run again.
    if ((first ? await first : await this.insertNew(execution)) === "exists") {
      await this.forgetDocuments(execution);
      return { execution, inserted: false };
    }
    await this.warnUndeclared(execution, request.inputs ?? {}, inputs);
    if (failed) await this.logFailedChecks(execution, failed);
    if (failed?.behavior === "FAIL_EXECUTION") {
      this.events?.emit("execution", {
        executionId: id, namespace: execution.namespace, flowId: execution.flowId, state: "FAILED", entered: [{ state: "FAILED", transition: 2 }],
      });
      return { execution, inserted: true };
    }
    if (!first) {
      this.events?.emit("created", execution);
      await this.announce(id);
    }
    return { execution, inserted: true };
  }

  /** a refused create's own documents (`createdKey`: an id taken was given, so keys nothing else points at): storage as it was, at best effort */
  private async forgetDocuments(execution: ExecutionRecord): Promise<void> {
    for (const uri of [execution.inputsUri, execution.trigger?.variablesUri]) {
      if (uri) await this.store.storage.delete(storageKeyOf(uri)).catch(() => undefined);
    }
  }

  /**
   * The executor of this process takes the `created` events of what this service creates from
   * now on (`undefined`: it stopped, they go through the queue again). Each of `start`'s
   * methods answers whether it took the execution (not while it is stopping).
   */
  startHere(start: StartHere | undefined): void {
    this.starter = start;
  }

  /**
   * Tells an executor of a new execution: this process's own when it has one, handling it with
   * no trip through the queue (a send, a read and an acknowledgement per execution), else
   * through the queue. What is saved is the same either way; should this process die before
   * the execution's first save, the reconciler starts it (an execution unchanged for
   * `staleAfter`, or every unfinished one at start), as after a death between a save and its
   * sends (RELIABILITY.md, "A new execution's first event").
   */
  private async announce(id: string): Promise<void> {
    if (this.starter?.created(id)) {
      // its later events (the workers' results) to this process, as the queue routes a key its creator sent (Queue.hold)
      this.queue.hold?.(EXECUTOR_CHANNEL, id);
      return;
    }
    await this.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "created", executionId: id }, { key: id });
  }

  /** a failed check's message, in the execution's logs at the level of its `style` */
  private async logFailedChecks(execution: ExecutionRecord, failed: FailedChecks): Promise<void> {
    await this.repository.appendLogs(
      failed.checks.map((check) => ({
        executionId: execution.id, namespace: execution.namespace, flowId: execution.flowId,
        level: CHECK_LOG_LEVEL[check.style ?? "INFO"], message: `Check failed: ${check.message}`, timestamp: execution.created,
      })),
    );
  }

  /**
   * Kestra's FlowInputOutput.readExecutionInputs: a value given for no enabled input (undeclared,
   * or disabled by its dependsOn) is dropped, and the execution's logs say so, in Kestra's words.
   */
  /** a new execution's row, written only if its id is free */
  private async insertNew(execution: ExecutionRecord): Promise<"inserted" | "exists"> {
    try {
      await this.repository.insertExecution({ ...execution, version: execution.version ?? 0 });
      return "inserted";
    } catch (error) {
      if (error instanceof AlreadyExistsError) return "exists";
      throw error;
    }
  }

  private async warnUndeclared(execution: ExecutionRecord, given: Record<string, unknown>, resolved: Record<string, unknown>): Promise<void> {
    const dropped = Object.keys(given).filter((key) => !Object.hasOwn(resolved, key));
    if (!dropped.length) return;
    const line = (message: string) => ({ executionId: execution.id, namespace: execution.namespace, flowId: execution.flowId, level: "WARN" as const, message, timestamp: execution.created });
    // Kestra's line per input, up to a bound: a 10 MiB body of keys asked for a million log lines
    const named = dropped.slice(0, MAX_UNDECLARED_WARNINGS).map((key) => line(`Input ${key.slice(0, 200)} was provided for workflow ${execution.namespace}.${execution.flowId} but isn't declared in the workflow inputs`));
    const more = dropped.length - named.length;
    await this.repository.appendLogs(more > 0 ? [...named, line(`${more} more inputs were provided for workflow ${execution.namespace}.${execution.flowId} but aren't declared in the workflow inputs`)] : named);
  }
}
