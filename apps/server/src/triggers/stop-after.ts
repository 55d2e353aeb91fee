import type { EngineEvents, ExecutionChange } from "@ferry/engine";
import { errorMessage, isTerminal, type Repository } from "@ferry/sdk";
import type { Logger } from "pino";
import { refKey } from "./declared-triggers.js";
import type { TriggerIndex } from "./trigger-index.js";

/**
 * A trigger's `stopAfter`: once an execution it started ends in one of those states, the
 * trigger is disabled, as Kestra's Trigger.resetExecution does. Kestra follows the executions
 * of the triggers its scheduler runs (Schedule and http.Trigger among the core ones), so those are the ones
 * whose `stopAfter` acts here; a Webhook's or a Flow trigger's does nothing, as in Kestra.
 */
export class StopAfter {
  private readonly onChange = (change: ExecutionChange) => {
    if (!isTerminal(change.state)) return;
    const work = this.handle(change).catch((error) => this.logger.warn({ err: error, executionId: change.executionId }, `stopAfter: ${errorMessage(error)}`));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  };
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly events: EngineEvents,
    private readonly repository: Repository,
    private readonly index: TriggerIndex,
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
    // a Loop's iteration carries its root's trigger, but only the root's end counts
    if (change.kind) return;
    // cheap first: most flows have no schedule with stopAfter, and their ends read nothing
    const scheduled = [...(await this.index.ofKind("schedule")), ...(await this.index.ofKind("polling"))];
    const candidates = scheduled.filter(
      (t) => t.flow.namespace === change.namespace && t.flow.id === change.flowId && Array.isArray(t.spec.stopAfter) && (t.spec.stopAfter as string[]).includes(change.state),
    );
    if (!candidates.length) return;
    const found = await this.repository.getExecution(change.executionId);
    const triggerId = found?.execution.trigger?.id;
    const trigger = candidates.find((t) => t.ref.triggerId === triggerId);
    if (!trigger) return;
    await this.repository.setTriggerDisabled(trigger.ref, true);
    this.logger.info({ trigger: refKey(trigger.ref), executionId: change.executionId }, `trigger disabled: execution ${change.executionId} ended ${change.state}, one of its stopAfter states`);
  }
}
