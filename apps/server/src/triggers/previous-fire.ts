/** how far back a previous fire time is looked for (Kestra's Schedule gives up after ten years too) */
const LOOKBACK_MS = 10 * 366 * 24 * 3600_000;

/**
 * The fire time before `fire` by the trigger's own terms, whether or not it fired then
 * (Kestra's Schedule: `previous` is ExecutionTime.lastExecution(date)). Only `nextFire` is
 * known, so it is asked from further back each time (twice as far) until it answers a time
 * before `fire`, then walked forward to the last one before it.
 */
export function previousFire(nextFire: (after: Date) => Date | undefined, fire: Date): Date | undefined {
  for (let span = 1000; span <= 2 * LOOKBACK_MS; span *= 2) {
    let before = nextFire(new Date(fire.getTime() - span));
    if (!before || before >= fire) continue;
    for (let t = nextFire(before); t && t < fire; t = nextFire(t)) before = t;
    return before;
  }
  return undefined;
}

/** how many fire times a search for one whose conditions hold looks at, each way (Kestra bounds it by ten years) */
export const MAX_CONDITION_STEPS = 1000;

/**
 * From `first` on, by `step`, the first fire time whose conditions hold (Kestra's Schedule
 * findNextDateMatchingConditions / findPreviousDateMatchingConditions, which give a fire's
 * `next` and `previous` once it has conditions); undefined past MAX_CONDITION_STEPS.
 */
export async function nearestMatching(first: Date | undefined, step: (from: Date) => Date | undefined, holds: (candidate: Date) => Promise<boolean>): Promise<Date | undefined> {
  let candidate = first;
  for (let i = 0; candidate && i < MAX_CONDITION_STEPS; i++, candidate = step(candidate)) {
    if (await holds(candidate)) return candidate;
  }
  return undefined;
}
