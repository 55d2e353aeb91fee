import { isTerminal, type ExecutionRecord, type TaskRunRecord } from "@ferry/sdk";
import { held, inFlightPackedFromCount } from "./held-task-run.js";
import type { TaskRunIndex } from "./task-run-index.js";

export interface SavedExecution {
  execution: ExecutionRecord;
  taskRuns: TaskRunRecord[];
  /** the task runs' index, kept with them so that the next event need not build it again */
  index?: TaskRunIndex;
  /** left with branches to start: where its slices' jobs wait (slice-pacing.ts) */
  pacedBy?: string[];
}

/**
 * What this executor last saved of running executions, so the next event of an execution
 * skips reading it back. It is a hint, never the truth: a save over it names the version it
 * holds (another executor's save in between makes it conflict, and the event is handled
 * again on what the repository holds), and an event that changes nothing on it is handled
 * again on the stored execution, since a stale copy may be why it changed nothing.
 *
 * An entry is taken out while its event is handled, so an event that fails leaves none.
 */
export class SavedExecutions {
  private readonly entries = new Map<string, SavedExecution>();

  constructor(private readonly capacity = 2000) {}

  take(id: string): SavedExecution | undefined {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry;
  }

  put(id: string, entry: SavedExecution): void {
    this.entries.set(id, entry);
    // Maps iterate in insertion order: the first key is the least recently saved
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}

/** an execution read from the repository, its task runs held as the executor's own (packed once ended) */
export function heldRuns(loaded: SavedExecution | undefined): SavedExecution | undefined {
  if (!loaded) return undefined;
  const running = !isTerminal(loaded.execution.state.current);
  const inFlight = loaded.taskRuns.length >= inFlightPackedFromCount();
  return {
    ...loaded,
    taskRuns: loaded.taskRuns.map((run) => {
      const kept = held(run);
      if (running) kept.pack(inFlight);
      return kept;
    }),
  };
}
