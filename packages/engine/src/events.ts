import { EventEmitter } from "node:events";
import type { ExecutionRecord, ExecutionState, LogEntry, TaskRunRecord } from "@ferry/sdk";

export interface ExecutionChange {
  executionId: string;
  namespace: string;
  flowId: string;
  state: ExecutionState;
  /** LOOP: a Loop's iteration, which starts no Flow trigger and stops no schedule (Kestra looks at NORMAL executions only) */
  kind?: "LOOP";
  /**
   * The states this change made the execution enter, in order, each with its place in the
   * execution's state history (one entry of one state apart from another): a change may go
   * PAUSED → RUNNING → PAUSED (one Pause ends, the next pauses) and end as it began.
   */
  entered: Array<{ state: ExecutionState; transition: number }>;
  /**
   * The execution and its task runs as this change saved them, copied when called: a request
   * waiting for the end answers from it instead of reading the execution back. Only a listener
   * that needs it pays for the copy, and it must call it while the event is emitted (the
   * executor goes on with what it holds once the listeners returned).
   */
  saved?: () => SavedRecords;
}

/** an execution and all its task runs, as stored */
export interface SavedRecords {
  execution: ExecutionRecord;
  taskRuns: TaskRunRecord[];
}

/**
 * In-process notifications after the executor saved a change: `?wait=true`, the follow
 * endpoint and Flow triggers listen here instead of polling the repository. `created` tells
 * this process's executor of an execution just saved, so it need not read it back; `logs`
 * carries log lines this process's log writer stored (the logs follow endpoint streams them).
 */
/** a task run this process's executor saved in a terminal state */
export interface TaskRunEnd {
  taskId: string;
  state: string;
  durationMs: number;
}

export class EngineEvents extends EventEmitter<{ execution: [ExecutionChange]; created: [ExecutionRecord]; logs: [LogEntry[]]; taskrun: [TaskRunEnd] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}
