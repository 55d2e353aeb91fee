import { triggerHolds } from "@ferry/core";
import { errorMessage, parseDuration, UserError, type Repository, type TriggerStateRecord } from "@ferry/sdk";
import type { Logger } from "pino";
import { refKey, type TriggerOfKind } from "./declared-triggers.js";
import { nearestMatching, previousFire } from "./previous-fire.js";
import { triggerHasRunningExecution } from "./running-execution.js";
import type { TriggerIndex } from "./trigger-index.js";

type ScheduleTrigger = TriggerOfKind<"schedule">;
import { StartPendingError, type TriggerStarter } from "./trigger-starter.js";

/** fires started per trigger per tick, so a long downtime with ALL catches up in steps */
const MAX_FIRES_PER_TICK = 100;
/** a fire due this long before the scheduler started was missed (downtime), not merely late */
const MISSED_GRACE_MS = 1000;
/** a fire's once-only claim outlives the time any replica could still be evaluating it */
const CLAIM_TTL_MS = 24 * 3600_000;
/** Kestra's Schedule accepts its deprecated `backfill` and never reads it (Schedule.java); Ferry neither, and says so */
export const IGNORED_BACKFILL =
  "Schedule property `backfill` has no effect: Kestra deprecated it and ignores it too; backfill with POST /api/v1/triggers/{namespace}/{flowId}/{triggerId}/backfill";
const MAX_BACKFILL = 1000;

export interface ScheduleSchedulerOptions {
  repository: Repository;
  index: TriggerIndex;
  starter: TriggerStarter;
  logger: Logger;
  /** for tests: the clock, and when this process started (fires due before it were missed) */
  now?: () => Date;
  startedAt?: Date;
}

/**
 * Fires schedule triggers. Every server replica runs one; each fire time starts exactly one
 * execution because it is claimed in the repository first (the claim key is the trigger and
 * the fire time, so restarts, replicas and re-saved flows all agree on it). The trigger's
 * state (last fire evaluated, next fire) lives in the repository and only moves forward.
 *
 * Fires due before this process started were missed (downtime): `recoverMissedSchedules`
 * decides whether ALL of them start, the LAST one only, or NONE.
 */
export class ScheduleScheduler {
  private readonly startedAt: Date;
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private running?: Promise<void>;
  private ticks = 0;
  private readonly now: () => Date;

  constructor(private readonly options: ScheduleSchedulerOptions) {
    this.now = options.now ?? (() => new Date());
    this.startedAt = options.startedAt ?? this.now();
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** wakes just after each second boundary, when six-field schedules fall due */
  private schedule(): void {
    if (this.stopped) return;
    const delay = 1000 - (Date.now() % 1000) + 5;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error) => this.options.logger.error({ err: error }, "schedule triggers: tick failed"))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, delay);
  }

  /** evaluates every schedule trigger once */
  async tick(): Promise<void> {
    const { index, repository } = this.options;
    const triggers = await index.ofKind("schedule");
    await Promise.all(
      triggers.map((trigger) =>
        this.evaluate(trigger).catch((error) =>
          this.options.logger.error({ err: error, trigger: refKey(trigger.ref) }, `schedule trigger failed: ${errorMessage(error)}`),
        ),
      ),
    );
    if (++this.ticks % 60 === 0) await repository.deleteExpiredClaims(this.now().toISOString());
  }

  private async evaluate(trigger: ScheduleTrigger): Promise<void> {
    const { repository, index } = this.options;
    const { definition, properties, ref, flow, spec } = trigger;
    const now = this.now();
    let state = index.state(ref);
    if (!state) {
      // first sight of this trigger: it starts firing from now on (history is not replayed)
      state = await repository.initTriggerState({ ...ref, disabled: false, nextFire: definition.nextFire!(properties, now)?.toISOString(), updated: now.toISOString() });
      index.remember(state);
    }
    const due: Date[] = [];
    let next = firstCandidate(trigger, state, now);
    while (next && next <= now && due.length < MAX_FIRES_PER_TICK) {
      due.push(next);
      next = definition.nextFire!(properties, next);
    }
    if (!due.length) return;

    // a disabled trigger still moves past its fire times, so enabling it starts no backlog
    const disabled = state.disabled || spec.disabled || flow.disabled;
    let fires = disabled ? [] : this.select(trigger, due, now);
    let evaluated = due[due.length - 1];
    if (fires.length && !spec.allowConcurrent) {
      // Kestra's scheduler locks the trigger while an execution it started runs (allowConcurrent false,
      // the default): its due fires wait, nothing recorded, and start one at a time once that one ended
      if (await triggerHasRunningExecution(repository, ref)) {
        this.options.logger.debug({ trigger: refKey(ref) }, `schedule trigger ${refKey(ref)}: an execution it started is still running: its fire waits`);
        return;
      }
      if (fires.length > 1) {
        evaluated = fires[0];
        next = fires[1];
        fires = [fires[0]];
      }
    }
    for (const [i, fire] of fires.entries()) {
      try {
        await this.fire(trigger, fire, fires[i + 1] ?? next, undefined, 0);
      } catch (error) {
        // another holder claimed the fire and has not created its execution (it may have died): evaluated
        // again at the next tick, nothing recorded, until it is created or its lease passes and this one takes it over
        if (error instanceof StartPendingError) {
          this.options.logger.debug({ trigger: refKey(ref), fire: fire.toISOString() }, errorMessage(error));
          return;
        }
        // inputs a fire's rendering breaks (a rule, a type) would break again: that fire starts
        // nothing, said once, and the trigger moves on, as Kestra's does. Anything else (the queue
        // out of reach) stops here, so the fire is evaluated again at the next tick.
        if (!(error instanceof UserError)) throw error;
        this.options.logger.error(
          { trigger: refKey(ref), fire: fire.toISOString() },
          `schedule trigger ${refKey(ref)}: the fire of ${fire.toISOString()} started nothing: ${errorMessage(error)}`,
        );
      }
    }
    const last = evaluated.toISOString();
    await repository.recordTriggerFire(ref, last, next?.toISOString());
    index.remember({ ...state, lastFire: last, nextFire: next?.toISOString(), updated: now.toISOString() });
  }

  /**
   * Starts one execution per fire time from `start` to `end` (inclusive), as if the
   * schedule had fired then; fire times that already started an execution are skipped, and so are
   * those the trigger's conditions do not hold for (counted apart: nothing ran for them, ever).
   */
  async backfill(trigger: ScheduleTrigger, start: Date, end: Date, labels?: Record<string, string>): Promise<{ started: string[]; skipped: number; conditionsNotMet: number }> {
    const { definition, properties } = trigger;
    const fires: Date[] = [];
    for (let t = definition.nextFire!(properties, new Date(start.getTime() - 1)); t && t <= end; t = definition.nextFire!(properties, t)) {
      fires.push(t);
      if (fires.length > MAX_BACKFILL) throw new UserError(`a backfill starts at most ${MAX_BACKFILL} executions; this range holds more: narrow it`);
    }
    const started: string[] = [];
    let conditionsNotMet = 0;
    for (const [i, fire] of fires.entries()) {
      const result = await this.fire(trigger, fire, fires[i + 1] ?? definition.nextFire!(properties, fire), labels);
      if (!result) conditionsNotMet++;
      else if (result.started) started.push(result.execution.id);
    }
    return { started, skipped: fires.length - started.length - conditionsNotMet, conditionsNotMet };
  }

  /**
   * starts the fire's execution, unless the trigger's conditions (DayWeek, PublicHoliday…, on `trigger.date`) do not hold for it: then undefined.
   * `pendingWaitMs`: the tick's 0 (a fire another holder has not created is evaluated again next tick); a backfill waits.
   */
  private async fire(trigger: ScheduleTrigger, fire: Date, next: Date | undefined, labels?: Record<string, string>, pendingWaitMs?: number) {
    const { starter, logger } = this.options;
    const zone = trigger.properties.timezone;
    const nextOf = (after: Date) => trigger.definition.nextFire!(trigger.properties, after);
    // A fire's previous fire time is searched for (previousFire asks nextFire from further and
    // further back): the walks below, up to MAX_CONDITION_STEPS each way, would search it again for
    // every candidate (6 s for 1,000 impossible weekly fires; 30 s in CI). What a walk learns is
    // kept for this fire: the fire before a fire time's next is that fire time.
    const previousKnown = new Map<number, Date | undefined>();
    const previousOf = (before: Date) => {
      const key = before.getTime();
      if (!previousKnown.has(key)) previousKnown.set(key, previousFire(nextOf, before));
      return previousKnown.get(key);
    };
    const following = (fireTime: Date) => {
      const after = nextOf(fireTime);
      if (after) previousKnown.set(after.getTime(), fireTime);
      return after;
    };
    const datesOf = (date: Date, after = nextOf(date)) => {
      // the schedule's time before this one, fired or not (Kestra's Schedule.scheduleDates: ExecutionTime.lastExecution)
      const before = previousOf(date);
      return { date: isoIn(date, zone), next: after ? isoIn(after, zone) : undefined, previous: before ? isoIn(before, zone) : undefined };
    };
    // 1.x's conditions and 2.0's `when` alike: a date they do not hold for starts nothing, and `next`/`previous` skip it
    const holds = (date: Date) => triggerHolds(trigger.spec, starter.context(trigger, datesOf(date)));
    let variables = datesOf(fire, next);
    if (!(await triggerHolds(trigger.spec, starter.context(trigger, variables)))) {
      logger.debug({ trigger: refKey(trigger.ref), fire: variables.date }, "schedule conditions not met: no execution for this fire");
      return undefined;
    }
    if ((trigger.spec.conditions as unknown[] | undefined)?.length || trigger.spec.when !== undefined) {
      // with conditions, `next` and `previous` are the nearest fire times they hold for (Schedule.trueOutputWithCondition)
      const [after, before] = [await nearestMatching(following(fire), following, holds), await nearestMatching(previousOf(fire), previousOf, holds)];
      variables = { date: variables.date, next: after ? isoIn(after, zone) : undefined, previous: before ? isoIn(before, zone) : undefined };
    }
    if ((trigger.properties as { backfill?: unknown }).backfill != null) {
      logger.warn({ trigger: refKey(trigger.ref) }, IGNORED_BACKFILL);
    }
    const context = starter.context(trigger, variables);
    return starter.start(trigger, { variables, labels, context, once: { key: `schedule:${refKey(trigger.ref)}@${fire.toISOString()}`, ttlMs: CLAIM_TTL_MS }, pendingWaitMs });
  }

  /** which due fires start: missed ones per policy, late ones per lateMaximumDelay */
  private select(trigger: ScheduleTrigger, due: Date[], now: Date): Date[] {
    const { properties } = trigger;
    const missedBefore = this.startedAt.getTime() - MISSED_GRACE_MS;
    const missed = due.filter((d) => d.getTime() < missedBefore);
    const onTime = due.filter((d) => d.getTime() >= missedBefore);
    const policy = properties.recoverMissedSchedules;
    let fires = policy === "ALL" ? due : policy === "LAST" && missed.length ? [missed[missed.length - 1], ...onTime] : onTime;
    const late = properties.lateMaximumDelay;
    if (late) {
      const oldest = now.getTime() - parseDuration(late);
      fires = fires.filter((d) => d.getTime() >= oldest);
    }
    return fires;
  }
}

/** the first fire time not yet evaluated */
function firstCandidate(trigger: ScheduleTrigger, state: TriggerStateRecord, now: Date): Date | undefined {
  const { definition, properties } = trigger;
  if (state.lastFire) return definition.nextFire!(properties, new Date(state.lastFire));
  if (state.nextFire) return new Date(state.nextFire);
  return definition.nextFire!(properties, now);
}

/** ISO-8601 with the offset of the trigger's time zone (UTC when none), as Kestra shows `trigger.date` */
export function isoIn(date: Date, timeZone: string | undefined): string {
  if (!timeZone) return date.toISOString();
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const offsetMinutes = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const offset = offsetMinutes === 0 ? "Z" : `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  const ms = String(date.getUTCMilliseconds()).padStart(3, "0");
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${ms}${offset}`;
}
