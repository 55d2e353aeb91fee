import { outputReferences, type OutputScope } from "@ferry/core";

/** the task ids whose outputs a render may read and how much of them, or "all" when its templates cannot tell */
export type OutputNeeds = ReadonlyMap<string, OutputScope> | "all";

const cache = new WeakMap<object, OutputNeeds>();

/**
 * What a part of a flow (a task, its outputs, its SLAs) may read of earlier outputs, found
 * once per parsed flow: a flow revision's objects are kept by the flow store, so each is
 * analysed once. The whole task is looked at, nested tasks included, since properties a
 * task renders itself later (ctx.render, timeouts, runIf) come from it too.
 */
export function outputNeedsOf(part: object | undefined): OutputNeeds {
  if (!part) return new Map();
  let needs = cache.get(part);
  if (!needs) {
    needs = outputReferences(part);
    cache.set(part, needs);
  }
  return needs;
}

const stateReaders = new WeakMap<object, boolean>();
/** a template that reads the task runs' states: the `tasks` variable or tasksWithState() (a task named `tasks` counts too: it only costs the states) */
const READS_STATES = /\{[{%][^]*?(\btasks\b|tasksWithState)[^]*?[}%]\}/;

/**
 * Whether a part of a flow renders Kestra's `tasks` variable (each task run's state) or
 * tasksWithState(): only then do the states travel with its render context, so a task run
 * costs the same in an execution of ten task runs or of a hundred thousand.
 */
export function readsTaskStates(part: object | undefined): boolean {
  if (!part) return false;
  let reads = stateReaders.get(part);
  if (reads === undefined) {
    reads = READS_STATES.test(JSON.stringify(part) ?? "");
    stateReaders.set(part, reads);
  }
  return reads;
}
