import type { PluginRegistry } from "@ferry/core";
import type { EngineEvents, ExecutionService, FlowStore, JsonStore } from "@ferry/engine";
import { errorMessage, type Queue, type Repository, type SecretBackend } from "@ferry/sdk";
import type { Logger } from "pino";
import { FlowTriggerListener } from "./flow-trigger-listener.js";
import { PollingScheduler } from "./polling-scheduler.js";
import { RateLimiter } from "./rate-limiter.js";
import { ScheduleScheduler } from "./schedule-scheduler.js";
import { StopAfter } from "./stop-after.js";
import { TriggerIndex } from "./trigger-index.js";
import { TriggerStarter } from "./trigger-starter.js";
import { WebhookLookup } from "./webhook-lookup.js";

export interface TriggersDeps {
  repository: Repository;
  flows: FlowStore;
  registry: PluginRegistry;
  executions: ExecutionService;
  secrets: SecretBackend;
  queue: Queue;
  store: JsonStore;
  events: EngineEvents;
  logger: Logger;
}

/** Everything that starts executions on its own: schedules, polling triggers, Flow triggers, and what webhooks need. */
export class Triggers {
  readonly index: TriggerIndex;
  readonly starter: TriggerStarter;
  readonly webhooks: WebhookLookup;
  readonly rateLimiter = new RateLimiter();
  readonly scheduler: ScheduleScheduler;
  readonly polling: PollingScheduler;
  private readonly listener: FlowTriggerListener;
  private readonly stopAfter: StopAfter;

  constructor(deps: TriggersDeps) {
    const { repository, logger } = deps;
    this.index = new TriggerIndex({ repository, flows: deps.flows, registry: deps.registry, onError: (error) => logger.warn({ err: error }, `trigger index: ${errorMessage(error)}`) });
    this.starter = new TriggerStarter(repository, deps.executions, deps.secrets, deps.queue, logger);
    this.webhooks = new WebhookLookup(this.index, this.starter, logger);
    this.scheduler = new ScheduleScheduler({ repository, index: this.index, starter: this.starter, logger });
    this.polling = new PollingScheduler({ repository, index: this.index, starter: this.starter, logger });
    this.listener = new FlowTriggerListener(deps.events, repository, deps.store, this.index, this.starter, logger);
    this.stopAfter = new StopAfter(deps.events, repository, this.index, logger);
  }

  start(): void {
    this.index.start();
    this.scheduler.start();
    this.polling.start();
    this.listener.start();
    this.stopAfter.start();
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.polling.stop();
    await this.listener.stop();
    await this.stopAfter.stop();
    await this.index.stop();
  }
}
