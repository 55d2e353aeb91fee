import type { ExecutionState } from "./execution-state.js";
import { timeoutWakeupKey } from "./flowable-timeout.js";
import { pauseWakeupId } from "./pause.js";
import { scheduledStartId } from "./scheduled-start.js";
import { slaWakeupId } from "./sla.js";

/**
 * The ids of the wake-ups an ended execution may still have armed: its scheduled start (killed
 * while it waited), its MAX_DURATION SLAs' and,
 * of each task run with a plan (Pause, Sleep, loops, flowables with a timeout), its pause and
 * timeout wake-ups. Settled at the end, so the queue forgets them now (the memory queue drops
 * their timers) rather than when they come, maybe days later, to find nothing to do.
 */
export function armedWakeupIds(state: ExecutionState): string[] {
  const ids = (state.flow.sla ?? []).filter((sla) => sla.type === "MAX_DURATION").map((sla) => slaWakeupId(state.execution.id, sla.id));
  if (state.execution.scheduleDate) ids.push(scheduledStartId(state.execution.id));
  for (const run of state.taskRuns) if (run.planUri) ids.push(pauseWakeupId(run.id), pauseWakeupId(timeoutWakeupKey(run.id)));
  return ids;
}
