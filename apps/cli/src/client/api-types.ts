/** The server's JSON shapes the CLI reads (Kestra's; see apps/server/src/http/serialize.ts). */
import { isTerminal, type ExecutionState } from "@ferry/sdk/basics";

export interface StateJson {
  current: string;
  histories: Array<{ state: string; date: string }>;
  startDate?: string;
  endDate?: string;
  duration?: string;
}

export interface TaskRunJson {
  id: string;
  taskId: string;
  parentTaskRunId: string | null;
  value: string | null;
  state: StateJson;
  attempts: Array<{ state: StateJson; workerId?: string; cached?: boolean }>;
  outputs: unknown;
}

export interface ExecutionJson {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: StateJson;
  inputs?: unknown;
  outputs?: unknown;
  labels: Array<{ key: string; value: string }>;
  trigger?: { id: string; type: string };
  taskRunList: TaskRunJson[];
}

export interface LogJson {
  executionId: string;
  taskId?: string;
  taskRunId?: string;
  attemptNumber?: number;
  level: string;
  message: string;
  timestamp: string;
}

export interface FlowJson {
  id: string;
  namespace: string;
  revision: number;
  updated?: string;
  description?: string;
  disabled?: boolean;
  labels?: unknown;
  tasks?: unknown[];
  triggers?: unknown[];
  source: string;
}

export interface Page<T> {
  results: T[];
  total: number;
}

// Kestra's State.Type.isTerminated(), as the engine reads it: CANCELLED (a concurrency or SLA
// CANCEL, a Pause's CANCEL behavior) and RETRIED end an execution too
export const isEnded = (state: string): boolean => isTerminal(state as ExecutionState);

/** `taskId` or `taskId[value]` for a task run of a loop */
export const runName = (run: Pick<TaskRunJson, "taskId" | "value">): string => (run.value !== null && run.value !== undefined ? `${run.taskId}[${run.value}]` : run.taskId);
