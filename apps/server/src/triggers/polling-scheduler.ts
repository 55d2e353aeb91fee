import { isTruthy, renderValue, triggerHolds } from "@ferry/core";
import { SecretMasker } from "@ferry/engine";
import { errorMessage, newId, parseDuration, type PollContext, type Repository, type TaskLogger } from "@ferry/sdk";
import type { Logger } from "pino";
import { refKey, type TriggerOfKind } from "./declared-triggers.js";
import type { TriggerIndex } from "./trigger-index.js";
import type { TriggerStarter } from "./trigger-starter.js";
import { onceKey } from "./trigger-starter.js";
import { triggerHasRunningExecution } from "./running-execution.js";

type PollingTrigger = TriggerOfKind<"polling">;

/** an interval's once-only claim outlives any evaluation of it */
const CLAIM_TTL_MS = 24 * 3600_000;

export interface PollingSchedulerOptions {
  repository: Repository;
  index: TriggerIndex;
  starter: TriggerStarter;
  logger: Logger;
  now?: () => Date;
}

/**
 * Evaluates polling triggers (Kestra's PollingTriggerInterface: http.Trigger among the core
 * ones). Time is cut into slots of the trigger's `interval` from the epoch; each slot is
 * evaluated once across server replicas, because the replica that evaluates it first claims it
 * in the repository (the claim holds the id the execution will take). A trigger is evaluated
 * one slot at a time: a slow answer delays its next evaluation, it does not stack them. What
 * an evaluation throws (a host out of reach, a bad condition) is logged under the trigger, and
 * the next slot is evaluated as usual. The last slot evaluated is the trigger's state in the
 * repository (`lastFire`, with `nextFire` the next one).
 *
 * As Kestra's scheduler, a trigger has one execution running at most: while the last one it
 * started has not ended, its slots pass without a call ("Triggers restrict parallel execution
 * for a given trigger ID to one active run").
 */
export class PollingScheduler {
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private abort = new AbortController();
  /** the evaluations under way, by trigger: bounded by the number of polling triggers */
  private readonly underway = new Map<string, Promise<void>>();
  private readonly now: () => Date;

  constructor(private readonly options: PollingSchedulerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    this.stopped = false;
    this.abort = new AbortController();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.all(this.underway.values());
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick()
        .catch((error) => this.options.logger.error({ err: error }, `polling triggers: tick failed: ${errorMessage(error)}`))
        .finally(() => this.schedule());
    }, 1000 - (Date.now() % 1000) + 5);
  }

  /** starts the evaluation of every polling trigger whose slot is due and that has none under way */
  async tick(): Promise<void> {
    for (const trigger of await this.options.index.ofKind("polling")) {
      const key = refKey(trigger.ref);
      if (this.underway.has(key) || this.stopped) continue;
      const work = this.evaluate(trigger)
        .catch((error) => {
          // a stop aborts the request under way: that is no failure of the trigger
          if (this.abort.signal.aborted) this.options.logger.debug({ trigger: key }, `polling trigger ${key}: evaluation stopped with the server`);
          else this.options.logger.error({ trigger: key, err: error }, `polling trigger ${key}: ${errorMessage(error)}`);
        })
        .finally(() => this.underway.delete(key));
      this.underway.set(key, work);
    }
  }

  /** resolves once every evaluation started so far has ended (for tests) */
  async settled(): Promise<void> {
    await Promise.all(this.underway.values());
  }

  private async evaluate(trigger: PollingTrigger): Promise<void> {
    const { repository, index, starter } = this.options;
    const { ref, spec, flow, definition, properties } = trigger;
    const key = refKey(ref);
    const interval = parseDuration(properties.interval);
    const now = this.now();
    const slot = new Date(Math.floor(now.getTime() / interval) * interval);
    const next = new Date(slot.getTime() + interval).toISOString();
    let state = index.state(ref);
    if (!state) {
      // first sight of this trigger: evaluated from the current slot on
      state = await repository.initTriggerState({ ...ref, disabled: false, nextFire: slot.toISOString(), updated: now.toISOString() });
      index.remember(state);
    }
    if (state.lastFire && new Date(state.lastFire) >= slot) return;
    const record = async () => {
      await repository.recordTriggerFire(ref, slot.toISOString(), next);
      index.remember({ ...state, lastFire: slot.toISOString(), nextFire: next, updated: now.toISOString() });
    };
    if (state.disabled || spec.disabled || flow.disabled) return record();
    if (!spec.allowConcurrent && (await triggerHasRunningExecution(repository, ref))) {
      this.options.logger.debug({ trigger: key }, `polling trigger ${key}: an execution it started is still running: not evaluated`);
      return record();
    }
    // the slot is this replica's to evaluate, or another's already
    const id = newId();
    const claim = await repository.claim(onceKey(`polling:${key}@${slot.toISOString()}`), id, new Date(now.getTime() + CLAIM_TTL_MS).toISOString());
    await record();
    if (!claim.won) return;
    // what secret() gives the request (a token in its uri, a header) is masked in what the server logs of it
    const masker = new SecretMasker();
    let variables: Record<string, unknown> | undefined;
    try {
      variables = await definition.evaluate!(properties, this.context(trigger, masker));
    } catch (error) {
      throw new Error(masker.mask(errorMessage(error)));
    }
    if (!variables) {
      this.options.logger.debug({ trigger: key }, `polling trigger ${key}: condition not met`);
      return;
    }
    const context = starter.context(trigger, variables);
    if (!(await triggerHolds(spec, context))) {
      this.options.logger.debug({ trigger: key }, `polling trigger ${key}: conditions not met: no execution`);
      return;
    }
    const started = await starter.start(trigger, { variables, context, id });
    if (started.started) this.options.logger.info({ trigger: key, executionId: started.execution.id }, `polling trigger ${key} started execution ${started.execution.id}`);
  }

  /** whether an execution this trigger started has not ended yet (the repository says, so every replica agrees) */
  private context(trigger: PollingTrigger, masker: SecretMasker): PollContext {
    const key = refKey(trigger.ref);
    const base = this.options.starter.context(trigger, {});
    const functions = base.functions?.secret ? { ...base.functions, secret: masker.recording(base.functions.secret) } : base.functions;
    const render = (value: unknown, variables: Record<string, unknown> = {}) => renderValue(value, { ...base, functions, variables: { ...base.variables, ...variables } });
    return {
      logger: triggerLogger(this.options.logger, key, masker),
      signal: this.abort.signal,
      render,
      holds: async (expression, variables) => isTruthy(await render(expression, variables)),
    };
  }
}

/** a plugin's log lines, in the server's log under the trigger's name */
function triggerLogger(logger: Logger, key: string, masker: SecretMasker): TaskLogger {
  const child = logger.child({ trigger: key });
  const at = (level: "trace" | "debug" | "info" | "warn" | "error") => (message: string) => child[level](`polling trigger ${key}: ${masker.mask(message)}`);
  return { trace: at("trace"), debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), log: (level, message) => at(level.toLowerCase() as Lowercase<typeof level>)(message) };
}
