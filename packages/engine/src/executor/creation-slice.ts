import type { ExecutionState } from "./execution-state.js";

/**
 * At most this many task runs are created in one event by starting a flowable's branches; the
 * branches left wait for the next event, which the executor sends itself (a `continue`). A
 * ForEach with no concurrency limit over 100,000 values created, saved and queued every run and
 * its job in one event, all held at once: the peak of its memory (issue #18.1). In slices, an
 * event holds a slice's records, jobs and save, and the runs before it are already held packed
 * (the slice is the in-flight packing bound, held-task-run.ts: each slice packs its queued runs).
 * Branches start in their plan's order either way; the ForEach only starts its last values a
 * few events later. Below the bound (a ForEach over 10,000) nothing changes.
 */
let slice = 20_000;

export function creationSlice(): number {
  return slice;
}

/** sets the slice (a test's, to see it on a small ForEach); answers the one before */
export function setCreationSlice(count: number): number {
  const before = slice;
  slice = count;
  return before;
}

/**
 * Whether this event created its slice of task runs (or may create none: slice-pacing.ts): then a
 * branch that could start waits for the next event, and the executor sends one (`moreToStart`).
 * Asked only when a branch could start.
 */
export function sliceFull(state: ExecutionState): boolean {
  if (state.created < state.sliceBudget) return false;
  state.moreToStart = true;
  return true;
}
