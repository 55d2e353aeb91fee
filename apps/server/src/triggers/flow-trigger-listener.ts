import { conditionsHold } from "@ferry/core";
import { CORRELATION_ID_LABEL, type EngineEvents, type ExecutionChange, type JsonStore } from "@ferry/engine";
import { errorMessage, isTerminal, type Repository } from "@ferry/sdk";
import type { Logger } from "pino";
import { refKey, type TriggerIndex, type TriggerOfKind } from "./trigger-index.js";
import type { TriggerStarter } from "./trigger-starter.js";

const TERMINAL_STATES = ["SUCCESS", "WARNING", "FAILED", "KILLED"];
/** an upstream execution starts each downstream flow once, even if its end is applied twice */
const CLAIM_TTL_MS = 7 * 24 * 3600_000;

/**
 * Flow triggers: when an execution ends, starts the flows whose Flow trigger matches it
 * (states, `preconditions.flows`, `conditions`). It listens to the executor of this
 * process, which is the one that saved the end; the start is claimed per upstream
 * execution, so a repeated end event starts nothing twice.
 *
 * A flow's own executions never trigger it unless its preconditions name it: an unfiltered
 * Flow trigger would otherwise start itself forever.
 */
export class FlowTriggerListener {
  private readonly onChange = (change: ExecutionChange) => {
    if (!isTerminal(change.state)) return;
    const work = this.handle(change).catch((error) => this.logger.error({ err: error, executionId: change.executionId }, `flow triggers failed: ${errorMessage(error)}`));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  };
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly events: EngineEvents,
    private readonly repository: Repository,
    private readonly store: JsonStore,
    private readonly index: TriggerIndex,
    private readonly starter: TriggerStarter,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.events.on("execution", this.onChange);
  }

  async stop(): Promise<void> {
    this.events.off("execution", this.onChange);
    await Promise.all(this.pending);
  }

  private async handle(change: ExecutionChange): Promise<void> {
    const candidates = (await this.index.ofKind("flow")).filter((t) => this.matchesUpstream(t, change));
    if (!candidates.length) return;
    const found = await this.repository.getExecution(change.executionId);
    if (!found) return;
    const { execution } = found;
    const outputs = execution.outputsUri ? await this.store.read(execution.outputsUri).catch(() => ({})) : {};
    const variables = {
      executionId: execution.id,
      namespace: execution.namespace,
      flowId: execution.flowId,
      flowRevision: execution.flowRevision,
      state: execution.state.current,
      outputs,
      labels: execution.labels,
    };
    for (const trigger of candidates) {
      const ctx = this.starter.context(trigger, variables);
      const upstream = { namespace: execution.namespace, flowId: execution.flowId, state: execution.state.current };
      if (!(await conditionsHold(trigger.spec.conditions as never, ctx, upstream))) continue;
      try {
        // a triggered execution continues its upstream's correlation, as Kestra's Flow trigger passes it
        const systemLabels = { [CORRELATION_ID_LABEL]: execution.labels[CORRELATION_ID_LABEL] ?? execution.id };
        await this.starter.start(trigger, { variables, systemLabels, once: { key: `flow:${refKey(trigger.ref)}<-${execution.id}`, ttlMs: CLAIM_TTL_MS } });
      } catch (error) {
        this.logger.warn({ err: error, trigger: refKey(trigger.ref), upstream: execution.id }, `flow trigger did not start: ${errorMessage(error)}`);
      }
    }
  }

  private matchesUpstream(trigger: TriggerOfKind<"flow">, change: ExecutionChange): boolean {
    const { properties, flow, spec } = trigger;
    if (spec.disabled || flow.disabled || this.index.state(trigger.ref)?.disabled) return false;
    const states: readonly string[] = properties.states ?? TERMINAL_STATES;
    if (!states.includes(change.state)) return false;
    const wanted = properties.preconditions?.flows?.[0];
    if (wanted) {
      if (wanted.namespace !== change.namespace || (wanted.flowId && wanted.flowId !== change.flowId)) return false;
      if (wanted.states && !(wanted.states as readonly string[]).includes(change.state)) return false;
      return true;
    }
    return !(change.namespace === flow.namespace && change.flowId === flow.id);
  }
}
