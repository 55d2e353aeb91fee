import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what a full collection left live, in per cent,
 * for `ferry server local`. V8 picks the factor itself (up to ×4 when its collections are fast
 * beside the program's allocation, as in a server that mostly waits for SQLite and the disk): a
 * ForEach over 100,000 values held ~35 MB of packed task runs and peaked at 384–427 MB of RSS,
 * with 267 MB at 50 % and the same CPU per task run (BENCHMARKS.md, Execution size, Round 5).
 */
export const SERVER_HEAP_GROWING_PERCENT = 50;

/** sets the growth for this process, unless node was started with its own (`node --heap-growing-percent=N`) */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => arg.startsWith("--heap-growing-percent") || arg.startsWith("--heap_growing_percent"))) return false;
  setFlagsFromString(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
  return true;
}
