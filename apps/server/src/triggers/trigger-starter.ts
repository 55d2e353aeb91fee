import { flowVariable, renderValue, type RenderContext } from "@ferry/core";
import { connectionsOnWorkersOnly, secretFunction, type CreateExecutionRequest, type ExecutionService } from "@ferry/engine";
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
  /**
   * How long a start whose key another holder claimed and has not created waits for that create, or
   * for the holder's lease to pass (then it takes the start over): `START_LEASE_MS` and a bit by
   * default; 0 for a caller that evaluates again anyway (a schedule's next tick): `StartPendingError` at once.
   */
  pendingWaitMs?: number;
}

/** how long a once-only start's holder has between its claim and its create before a retry may take the start over */
export const START_LEASE_MS = 10_000;
/** how often a start waiting on another holder's create looks again */
const PENDING_POLL_MS = 200;

/** a once-only start's key is claimed by a holder that has not created its execution yet, and may still: retry later */
export class StartPendingError extends OperationalError {}

/**
 * A fault test's hook (integration-tests trigger-claim-kill.test.ts): with FERRY_TEST_STALL_AFTER_CLAIM=1 a
 * holder says on stderr that it claimed a once-only start's key, then never creates, to be killed there.
 */
const STALL_AFTER_CLAIM = process.env.FERRY_TEST_STALL_AFTER_CLAIM === "1";

export type StartResult =
  | { started: true; execution: ExecutionRecord }
  /** the once-only key was claimed before: this is the execution it started */
  | { started: false; executionId: string };

/**
 * Starts executions for triggers of every kind: renders the trigger's `inputs` against
 * the trigger variables (templates come from the flow's author; the variables are data and
 * are never rendered), claims the once-only key in the repository, then creates (`startOnce`).
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
    if (!request.once) return { started: true, execution: await this.executions.create(createRequest) };
    return this.startOnce(onceKey(request.once.key), new Date(Date.now() + request.once.ttlMs).toISOString(), createRequest, request.pendingWaitMs ?? START_LEASE_MS + 5_000);
  }

  /**
   * A once-only start: a claim, the create, then the claim said created. A claim another holder has
   * not said created is waited on (its execution appearing says it was created), and taken over
   * once the holder's lease passed (it died, or stalls): created under the holder's id, so that a
   * holder that wakes and its taker make one execution between them — an id is inserted once, and
   * a create refused for a taken id writes nothing (`ExecutionService.createNew`). A created claim
   * is never taken over: its execution may since have been purged.
   */
  private async startOnce(key: string, expires: string, createRequest: CreateExecutionRequest & { id: string }, pendingWaitMs: number): Promise<StartResult> {
    const giveUp = Date.now() + pendingWaitMs;
    for (;;) {
      const claim = await this.repository.claimStart(key, createRequest.id, expires, new Date(Date.now() + START_LEASE_MS).toISOString());
      if (claim.won) {
        if (STALL_AFTER_CLAIM && !claim.takenOver) {
          process.stderr.write(`ferry-test: claimed ${key} for ${claim.executionId}\n`);
          await new Promise(() => undefined);
        }
        // a takeover's holder may have inserted and died before saying so: its execution stands
        if (claim.takenOver && (await this.repository.getExecution(claim.executionId))) return this.created(key, claim.executionId);
        const { execution, inserted } = await this.executions.createNew({ ...createRequest, id: claim.executionId });
        // unsaid (the database away), the claim stays pending: whoever comes next finds the execution and says it
        await this.repository.claimCreated(key, claim.executionId).catch((error) => this.logger?.warn({ err: error, executionId: claim.executionId }, `once-only start: its claim not said created: ${errorMessage(error)}`));
        return inserted ? { started: true, execution } : { started: false, executionId: claim.executionId };
      }
      if (!claim.pendingUntil) return { started: false, executionId: claim.executionId };
      // pending: the holder inserted and has not said so yet, is creating now, or died before its create
      if (await this.repository.getExecution(claim.executionId)) return this.created(key, claim.executionId);
      const wait = Math.min(PENDING_POLL_MS, Date.parse(claim.pendingUntil) - Date.now() + 1);
      if (Date.now() + Math.max(wait, 0) > giveUp) {
        throw new StartPendingError(`the start of execution ${claim.executionId} (a once-only trigger start) is being created by another holder, until ${claim.pendingUntil} at most; retry later`);
      }
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** a pending claim whose execution exists: said created for its holder, who may have died before saying it */
  private async created(key: string, executionId: string): Promise<StartResult> {
    await this.repository.claimCreated(key, executionId);
    return { started: false, executionId };
  }
}

/** claim keys are hashed: they hold user text (idempotency keys) of any length */
export function onceKey(raw: string): string {
  return createHash("sha256").update(raw).digest("hex");
}
