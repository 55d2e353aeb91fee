/**
 * The sdk's leaves with no dependencies (errors, states, durations, dates), for programs that
 * start often and want none of the rest: the CLI starts a process per command, and the full
 * entry brings zod and uuid (about a third of a second of CPU at each start). The same modules
 * as the full entry re-exports, so `instanceof UserError` holds across both.
 */
export * from "./errors.js";
export * from "./states.js";
export * from "./duration.js";
export * from "./dates.js";
