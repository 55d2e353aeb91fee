import { conditionsHold, whenHolds, type ConditionExecution, type ConditionSpec } from "@ferry/core";
import { CORRELATION_ID_LABEL, executionRenderVariables, nestLabels, SecretMasker, type EngineEvents, type ExecutionChange, type JsonStore } from "@ferry/engine";
import { errorMessage, isTerminal, type ExecutionState, type Repository } from "@ferry/sdk";
import type { Logger } from "pino";
import { conditionWindows, namesFlow, triggerStates, upstreamContext } from "./flow-trigger-conditions.js";
import { PreconditionWindows, type WindowResult } from "./precondition-window.js";
import { refKey, type TriggerOfKind } from "./declared-triggers.js";
import type { TriggerIndex } from "./trigger-index.js";
import type { TriggerStarter } from "./trigger-starter.js";

/** an upstream execution starts each downstream flow once, even if its end is applied twice */
const CLAIM_TTL_MS = 7 * 24 * 3600_000;

/**
 * Flow triggers: when an execution ends, or enters a state a trigger names (PAUSED, RUNNING…), starts the flows whose Flow trigger matches it. As
 * Kestra's FlowTriggerService: the trigger's `states`, then its plain `conditions`, then its
 * windows — the `preconditions` (upstream `flows` and `where` filters) and any
 * MultipleCondition — whose results are kept in storage over their time window, until every
 * condition of each window is met. The start is claimed in the repository (per upstream
 * execution, or per set of window results), so a repeated end event or another server replica
 * starts nothing twice.
 *
 * A flow's own executions never trigger it unless its preconditions name it: an unfiltered
 * Flow trigger would otherwise start itself forever.
 */
export class FlowTriggerListener {
  private readonly onChange = (change: ExecutionChange) => {
    // a Loop's iteration is no upstream execution (Kestra's computeFlowTriggers skips kinds other than NORMAL)
    if (change.kind) return;
    // Kestra's executor evaluates Flow triggers on each change of state (toExecution): each state
    // entered that is not an end is looked at once; an end on every save after it too, each
    // upstream execution claimed once (a repeated end event starts nothing twice)
    const looks = change.entered.filter((e) => !isTerminal(e.state)).map((e) => ({ state: e.state, transition: `@${e.state}#${e.transition}` }));
    if (isTerminal(change.state)) looks.push({ state: change.state, transition: "" });
    for (const look of looks) {
      const work = this.handle(change, look.state, look.transition).catch((error) => this.logger.error({ err: error, executionId: change.executionId }, `flow triggers failed: ${errorMessage(error)}`));
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    }
  };
  private readonly pending = new Set<Promise<void>>();
  private readonly windows: PreconditionWindows;

  constructor(
    private readonly events: EngineEvents,
    private readonly repository: Repository,
    private readonly store: JsonStore,
    private readonly index: TriggerIndex,
    private readonly starter: TriggerStarter,
    private readonly logger: Logger,
  ) {
    this.windows = new PreconditionWindows(store.storage);
  }

  start(): void {
    this.events.on("execution", this.onChange);
  }

  async stop(): Promise<void> {
    this.events.off("execution", this.onChange);
    await Promise.all(this.pending);
  }

  /** `state`: the one the execution entered (the one read back may be later: a PAUSED execution may run again already) */
  private async handle(change: ExecutionChange, state: ExecutionState, transition: string): Promise<void> {
    const candidates = (await this.index.ofKind("flow")).filter((t) => this.matchesUpstream(t, change, state));
    if (!candidates.length) return;
    const found = await this.repository.getExecution(change.executionId);
    if (!found) return;
    const { execution } = found;
    const outputs = execution.outputsUri ? await this.store.read<Record<string, unknown>>(execution.outputsUri).catch(() => ({})) : {};
    const upstream: ConditionExecution = {
      id: execution.id, namespace: execution.namespace, flowId: execution.flowId, state, labels: execution.labels, outputs,
      taskRuns: found.taskRuns.map((run) => ({ attempts: run.attempts.map((a) => ({ state: a.state.current })) })),
    };
    // Kestra's Flow.Output (FlowTest.success_withLabels): executionLabels nested as templates read labels, without the correlation id
    const { [CORRELATION_ID_LABEL]: _correlation, ...ownLabels } = execution.labels;
    const variables = {
      executionId: execution.id, namespace: execution.namespace, flowId: execution.flowId, flowRevision: execution.flowRevision, state, outputs,
      labels: execution.labels, executionLabels: nestLabels(ownLabels),
      startDate: execution.state.startDate, endDate: execution.state.endDate,
      firstFailedTaskId: found.taskRuns.find((run) => run.state.current === "FAILED")?.taskId,
      lastTaskId: found.taskRuns.at(-1)?.taskId,
    };
    // what Kestra renders a Flow trigger's inputs and conditions against: the upstream execution (read once, when one reads it)
    let upstreamVariables: Promise<Record<string, unknown>> | undefined;
    const readUpstream = () => (upstreamVariables ??= executionRenderVariables(execution, found.taskRuns, this.store));
    for (const trigger of candidates) {
      try {
        await this.evaluate(trigger, upstream, variables, transition, readUpstream);
      } catch (error) {
        this.logger.warn({ err: error, trigger: refKey(trigger.ref), upstream: execution.id }, `flow trigger did not start: ${errorMessage(error)}`);
        if (error instanceof ConditionEvaluationError) await this.surface(trigger, execution, error);
      }
    }
  }

  /**
   * A condition or `when` that cannot be evaluated starts nothing, as in Kestra (ConditionService: "Evaluate
   * Condition Failed", the condition then not met), and says so where the user looks: a WARN line in the
   * upstream execution's logs — Kestra's condition run context is the downstream flow's with the upstream
   * execution, so its logger writes there too — not only in the server's log.
   */
  private async surface(trigger: TriggerOfKind<"flow">, execution: { id: string; namespace: string; flowId: string }, error: ConditionEvaluationError): Promise<void> {
    const { namespace, flowId, triggerId } = trigger.ref;
    const message = `[namespace: ${namespace}] [flow: ${flowId}] [trigger: ${triggerId}] [condition: ${error.condition}] Evaluate Condition Failed with error '${errorMessage(error.cause)}'`;
    await this.repository
      .appendLogs([{ executionId: execution.id, namespace: execution.namespace, flowId: execution.flowId, level: "WARN", message, timestamp: new Date().toISOString() }])
      .catch((failure) => this.logger.error({ err: failure, upstream: execution.id }, `could not store the condition failure: ${errorMessage(failure)}`));
  }

  /** `transition` tells apart the starts of one upstream execution entering a non-terminal state several times (two Pauses) */
  private async evaluate(
    trigger: TriggerOfKind<"flow">, upstream: ConditionExecution, variables: Record<string, unknown>, transition: string, readUpstream: () => Promise<Record<string, unknown>>,
  ): Promise<void> {
    const upstreamVariables = readsUpstream(trigger) ? await readUpstream() : undefined;
    // Kestra's run context of the downstream flow and the upstream execution: `flow`, `vars` of this flow, the rest of the upstream's
    // what secret() gives a condition is masked in its error, stored in the upstream execution's logs (surface)
    const masker = new SecretMasker();
    const contextOf = (vars: Record<string, unknown>) => {
      const context = this.starter.context(trigger, vars);
      if (context.functions?.secret) context.functions = { ...context.functions, secret: masker.recording(context.functions.secret) };
      if (upstreamVariables) Object.assign(context.variables, upstreamVariables);
      return context;
    };
    const evaluating = (condition: string, check: () => Promise<boolean>) => evaluatingMasked(condition, check, masker);
    const ctx = contextOf(variables);
    // a triggered execution continues its upstream's correlation, as Kestra's Flow trigger passes it
    const systemLabels = { [CORRELATION_ID_LABEL]: upstream.labels?.[CORRELATION_ID_LABEL] ?? upstream.id! };
    const conditions = trigger.spec.conditions as ConditionSpec[] | undefined;
    if (!(await evaluating("conditions", () => conditionsHold(conditions, ctx, upstream)))) return;
    // Kestra 2.0's trigger-level `when`, on each upstream execution the trigger looks at
    if (!(await evaluating(`when: ${String(trigger.spec.when)}`, () => whenHolds(trigger.spec.when, upstreamContext(ctx, upstream))))) return;
    const windows = conditionWindows(trigger.properties, conditions);
    if (!windows.length) {
      await this.starter.start(trigger, { variables, context: ctx, systemLabels, requiredInputsMayBeAbsent: true, once: { key: `flow:${refKey(trigger.ref)}<-${upstream.id}${transition}`, ttlMs: CLAIM_TTL_MS } });
      return;
    }
    const results: WindowResult[] = [];
    for (const window of windows) {
      const met: string[] = [];
      for (const c of window.conditions) if (await evaluating(c.key, () => c.test(upstream, ctx))) met.push(c.key);
      // met by nothing here, the window is not ready, and reading its stored results would cost
      // a storage listing per Flow trigger for every execution that ends
      if (!met.length) return;
      const result = await this.windows.record(
        trigger.ref,
        { id: window.id, keys: window.conditions.map((c) => c.key), timeWindow: window.timeWindow, resetOnSuccess: window.resetOnSuccess, required: window.required, fireOnce: window.fireOnce },
        { id: upstream.id!, outputs: upstream.outputs ?? {}, flowId: upstream.flowId, transition },
        met,
      );
      if (result) results.push(result);
      if (!result?.ready) return;
    }
    // the outputs of every execution that met a condition, this one's over theirs, as Kestra merges them
    const merged = results.reduce<Record<string, unknown>>((all, r) => ({ ...all, ...r.outputs }), {});
    const startVariables = { ...variables, outputs: triggerOutputs(trigger, merged, results, upstream) };
    await this.starter.start(trigger, {
      variables: startVariables,
      context: contextOf(startVariables),
      requiredInputsMayBeAbsent: true,
      systemLabels,
      once: { key: `flow:${refKey(trigger.ref)}|${results.map((r) => r.claimKey).join("|")}`, ttlMs: CLAIM_TTL_MS },
    });
    // not started here: this set's execution exists (TriggerStarter creates it when its claimer died first), and the
    // reset is said again — its starter may have died before its own, which left the window holding a started set
    // whose claim every later end lost: nothing started again until the results aged out of the window
    for (const r of results) await r.reset();
  }

  private matchesUpstream(trigger: TriggerOfKind<"flow">, change: ExecutionChange, state: ExecutionState): boolean {
    const { properties, flow, spec } = trigger;
    if (spec.disabled || flow.disabled || this.index.state(trigger.ref)?.disabled) return false;
    if (!triggerStates(properties).includes(state)) return false;
    if (!mayBeMetBy(trigger, change)) return false;
    return !(change.namespace === flow.namespace && change.flowId === flow.id) || namesFlow(properties, flow.namespace, flow.id);
  }
}

/** a trigger condition (its `conditions`, `when`, a dependsOn entry or precondition) that threw while evaluated */
class ConditionEvaluationError extends Error {
  constructor(readonly condition: string, cause: unknown) {
    super(`condition ${condition} could not be evaluated: ${errorMessage(cause)}`, { cause });
  }
}

async function evaluatingMasked(condition: string, check: () => Promise<boolean>, masker: SecretMasker): Promise<boolean> {
  try {
    return await check();
  } catch (error) {
    // the error's words may hold what secret() gave (`{{ secret('PW') | number }}`: "'hunter2' is not a valid number")
    throw new ConditionEvaluationError(condition, new Error(masker.mask(errorMessage(error))));
  }
}

/**
 * Whether the trigger's inputs or conditions read the upstream execution's own variables (`outputs.t`,
 * `execution.id`, `inputs.x`, `labels.k`; `trigger.outputs` is its flow outputs, given anyway): only
 * then are its task outputs read, an execution of many task runs costing nothing otherwise.
 */
function readsUpstream(trigger: TriggerOfKind<"flow">): boolean {
  const text = JSON.stringify([trigger.properties.inputs ?? null, trigger.spec.conditions ?? null, trigger.spec.when ?? null, trigger.properties.dependsOn?.map((d) => d.when ?? null) ?? null]);
  return /(?<![.\w])(outputs|execution|inputs|labels)\b/.test(text);
}

/**
 * Whether an end of this flow can meet the trigger at all. A trigger whose only conditions are
 * its preconditions' upstream flows is met by those flows alone: with thousands of Flow
 * triggers, each ended execution evaluates the few that name its flow, not every one.
 */
function mayBeMetBy(trigger: TriggerOfKind<"flow">, change: ExecutionChange): boolean {
  const dependsOn = trigger.properties.dependsOn;
  if (dependsOn?.length) {
    if ((trigger.spec.conditions as unknown[] | undefined)?.length) return true;
    return dependsOn.some((d) => (!d.namespace || d.namespace === change.namespace) && (!d.flowId || d.flowId === change.flowId));
  }
  const p = trigger.properties.preconditions;
  if (!p || p.where?.length || (trigger.spec.conditions as unknown[] | undefined)?.length) return true;
  return (p.flows ?? []).some((f) => f.namespace === change.namespace && (!f.flowId || f.flowId === change.flowId));
}

/**
 * `trigger.outputs` of a start. Kestra 1.x: the flow outputs of every execution that met a window,
 * merged, this one's over theirs. Kestra 2.0 (dependsOn): scoped by upstream flow id,
 * `trigger.outputs.<flowId>.<key>`; with a single dependsOn entry the unscoped form works too.
 */
function triggerOutputs(trigger: TriggerOfKind<"flow">, merged: Record<string, unknown>, results: WindowResult[], upstream: ConditionExecution): Record<string, unknown> {
  const flat = { ...merged, ...(upstream.outputs ?? {}) };
  const dependsOn = trigger.properties.dependsOn;
  if (!dependsOn?.length) return flat;
  const byFlow: Record<string, unknown> = {};
  for (const r of results) Object.assign(byFlow, r.byFlow);
  byFlow[upstream.flowId] = { ...((byFlow[upstream.flowId] as Record<string, unknown> | undefined) ?? {}), ...(upstream.outputs ?? {}) };
  return dependsOn.length === 1 ? { ...flat, ...byFlow } : byFlow;
}
