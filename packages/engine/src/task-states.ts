import type { Callable } from "@ferry/core";
import { UserError } from "@ferry/sdk";
import type { ContextRef } from "./messages.js";

/**
 * Kestra's `tasks` variable (RunVariables): each task's state by task id, `tasks.t.state`, or
 * for a task that runs once per value, by value, `tasks.t['a'].state`.
 */
export function tasksVariable(states: NonNullable<ContextRef["taskStates"]>): Record<string, unknown> {
  const tasks: Record<string, Record<string, unknown>> = {};
  for (const { taskId, value, state } of states) {
    if (value === undefined) tasks[taskId] = { state };
    else tasks[taskId] = { ...(tasks[taskId]?.state === undefined ? tasks[taskId] : {}), [value]: { state } };
  }
  return tasks;
}

/**
 * tasksWithState(state): the task runs of `tasks` in that state (any case), as Kestra's
 * TasksWithStateFunction lists them: `{state, taskId}`, with `value` for a run of a value. Each is a
 * Java HashMap there, which prints its keys in the order of their hash buckets — state, value,
 * taskId — and RunContextTest.failedTasksVariable reads that text, so the keys come in that order.
 * Without an argument, the state is FAILED (the function's argument default).
 */
export function tasksWithStateFunction(tasks: Record<string, unknown> | undefined): Callable {
  return (args, named) => {
    const wanted = "state" in named ? named.state : args.length ? args[0] : "FAILED";
    if (wanted === undefined || wanted === null) throw new UserError("The 'tasksWithState' function expects an argument 'state'.");
    const state = String(wanted).toUpperCase();
    const found: Array<Record<string, unknown>> = [];
    for (const [taskId, details] of Object.entries(tasks ?? {})) {
      for (const [key, entry] of Object.entries(details as Record<string, unknown>)) {
        if (key === "state" && typeof entry === "string") {
          if (entry.toUpperCase() === state) found.push({ state, taskId });
        } else if (entry && typeof entry === "object" && typeof (entry as { state?: unknown }).state === "string") {
          if ((entry as { state: string }).state.toUpperCase() === state) found.push({ state, value: key, taskId });
        }
      }
    }
    return found;
  };
}
