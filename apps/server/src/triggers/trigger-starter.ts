import { flowVariable, renderValue, type RenderContext } from "@ferry/core";
import { connectionsOnWorkersOnly, secretFunction, type ExecutionService } from "@ferry/engine";
import { errorMessage, newId, OperationalError, UserError, type ExecutionRecord, type Queue, type Repository, type SecretBackend } from "@ferry/sdk";
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { DeclaredTrigger } from "./declared-triggers.js";

/** Kestra's Label.FROM: where an execution came from */
const FROM_LABEL = "system.from";

export interface StartRequest {
  /** what the flow sees as `trigger.*` */
  variables: Record<string, unknown>;
  /** once-only key (a fire time, an upstream execution, an idempotency key) and how long it holds */
  once?: { key: string; ttlMs: number };
  /** the execution id to create (a waiting caller listens for it before it exists) */
  id?: string;
  labels?: Record<string, string>;
  /** Ferry's own labels (an upstream execution's system.correlationId) */
  systemLabels?: Record<string, string>;
  /** the render context of these variables, when the caller made one already (a webhook checked its conditions with it) */
  context?: RenderContext;
  /** a Flow trigger's start: a required input the trigger does not give is left out, as Kestra's Flow.evaluate leaves it */
  requiredInputsMayBeAbsent?: boolean;
}

export type StartResult =
  | { started: true; execution: ExecutionRecord }
  /** the once-only key was claimed before: this is the execution it started */
  | { started: false; executionId: string };

/**
 * Starts executions for triggers of every kind: renders the trigger's `inputs` against
 * the trigger variables (templates come from the flow's author; the variables are data and
 * are never rendered), claims the once-only key in the repository, then creates (a key claimed by
 * a holder that died before its create: created under the holder's id, see `start`).
 */
export class TriggerStarter {
  constructor(
    private readonly repository: Repository,
    private readonly executions: ExecutionService,
    private readonly secrets: SecretBackend,
    private readonly queue: Queue,
    private readonly logger?: Logger,
  ) {}

  /** what a trigger's templated properties and conditions see */
  context(trigger: DeclaredTrigger, variables: Record<string, unknown>): RenderContext {
    const { flow } = trigger;
    return {
      variables: {
        flow: flowVariable(flow),
        trigger: variables,
        vars: flow.variables ?? {},
        labels: flow.labels ?? {},
      },
      functions: { secret: secretFunction(this.secrets, flow.namespace), connection: connectionsOnWorkersOnly },
    };
  }

  /** the execution inputs the trigger's `inputs` map gives (422 when they cannot be rendered) */
  async inputs(trigger: DeclaredTrigger, variables: Record<string, unknown>, context = this.context(trigger, variables)): Promise<Record<string, unknown>> {
    const declared = trigger.properties.inputs as Record<string, unknown> | undefined;
    if (!declared) return {};
    try {
      return (await renderValue(declared, context)) as Record<string, unknown>;
    } catch (error) {
      throw new UserError(`trigger ${trigger.spec.id} of flow ${trigger.flow.namespace}.${trigger.flow.id}: cannot build inputs: ${errorMessage(error)}`, { status: 422 });
    }
  }

  /**
   * The trigger's own `labels`, each value rendered against the trigger variables (LabelService.fromTrigger): one
   * that renders empty, or does not render (a warning in the server's log), is left out
   */
  async labels(trigger: DeclaredTrigger, variables: Record<string, unknown>, context = this.context(trigger, variables)): Promise<Record<string, string>> {
    const labels: Record<string, string> = {};
    for (const [key, template] of Object.entries((trigger.spec.labels as Record<string, string> | undefined) ?? {})) {
      try {
        const value = await renderValue(template, context);
        if (value !== null && value !== undefined && value !== "") labels[key] = String(value);
      } catch (error) {
        this.logger?.warn({ trigger: trigger.spec.id, flow: `${trigger.flow.namespace}.${trigger.flow.id}` }, `Failed to render label '${key}', it will be omitted: ${errorMessage(error)}`);
      }
    }
    return labels;
  }

  async start(trigger: DeclaredTrigger, request: StartRequest): Promise<StartResult> {
    const inputs = await this.inputs(trigger, request.variables, request.context);
    const id = request.id ?? newId();
    // the trigger's labels, then the caller's (a backfill's, added after them as Kestra's Schedule adds them)
    const labels = { ...(await this.labels(trigger, request.variables, request.context)), ...request.labels };
    const createRequest = {
      // every execution a trigger starts says so, as Kestra's (SchedulableExecutionFactory, Webhook and Flow triggers: Label.FROM "trigger")
      flow: trigger.flow, inputs, labels: Object.keys(labels).length ? labels : undefined, systemLabels: { [FROM_LABEL]: "trigger", ...request.systemLabels }, id,
      trigger: { id: trigger.spec.id, type: trigger.spec.type, variables: request.variables },
      ...(request.requiredInputsMayBeAbsent ? { requiredInputsMayBeAbsent: true } : {}),
    };
    // refuse bad inputs, or a queue out of reach, before claiming, so the key is not used up
    await this.executions.validate(createRequest);
    if (this.queue.available?.() === false) throw new OperationalError("the queue is out of reach; retry later");
    if (request.once) {
      const claim = await this.repository.claim(onceKey(request.once.key), id, new Date(Date.now() + request.once.ttlMs).toISOString());
      if (!claim.won) {
        if (await this.repository.getExecution(claim.executionId)) return { started: false, executionId: claim.executionId };
        // The key's holder claimed it and has not created its execution: it died between the two
        // (kill -9), or it is between them now. Created here under the holder's id: an id is
        // inserted once (ExecutionService.create), so whichever of the two comes second writes
        // nothing, and the start is neither lost for the claim's days nor made twice.
        return { started: true, execution: await this.executions.create({ ...createRequest, id: claim.executionId }) };
      }
    }
    return { started: true, execution: await this.executions.create(createRequest) };
  }
}

/** claim keys are hashed: they hold user text (idempotency keys) of any length */
export function onceKey(raw: string): string {
  return createHash("sha256").update(raw).digest("hex");
}
