import type { ExecutionState, HistoryExecution, HistoryLogEntry, LogLevel } from "@ferry/sdk";

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");

/** a UUIDv7 of the given time: ids sort as their executions were created */
export function idAt(ms: number): string {
  const t = ms.toString(16).padStart(12, "0");
  return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(3)}-${"89ab"[Math.floor(Math.random() * 4)]}${hex(3)}-${hex(12)}`;
}

export interface ExecutionSpec {
  namespace: string;
  flowId?: string;
  state?: ExecutionState;
  /** ISO-8601 */
  created: string;
  labels?: Record<string, string>;
  version?: number;
  id?: string;
  taskRuns?: number;
}

/** an execution as the primary saves it: ended ones have their end as `updated` */
export function executionOf(spec: ExecutionSpec): HistoryExecution {
  const created = spec.created;
  const state = spec.state ?? "SUCCESS";
  const updated = new Date(Date.parse(created) + 1000 * (1 + (spec.version ?? 1))).toISOString();
  const id = spec.id ?? idAt(Date.parse(created));
  return {
    execution: {
      id, namespace: spec.namespace, flowId: spec.flowId ?? "flow", flowRevision: 1, labels: spec.labels ?? {},
      state: { current: state, histories: [{ state: "CREATED", date: created }, { state, date: updated }], startDate: created, endDate: updated },
      outputsUri: `ferry://${spec.namespace.replaceAll(".", "/")}/${spec.flowId ?? "flow"}/executions/${id}/outputs.json`,
      created, updated, version: spec.version ?? 1,
    },
    taskRuns: Array.from({ length: spec.taskRuns ?? 1 }, (_, i) => ({
      id: idAt(Date.parse(created) + i), executionId: id, taskId: `t${i}`, attempts: [{ state: { current: "SUCCESS", histories: [], startDate: created } }],
      state: { current: "SUCCESS", histories: [{ state: "SUCCESS", date: updated }], startDate: created, endDate: updated },
    })),
  };
}

/** numbered log lines of one execution, `seq` from `firstSeq` */
export function logsOf(execution: HistoryExecution, firstSeq: number, lines: Array<{ message: string; level?: LogLevel; taskId?: string; timestamp?: string }>): HistoryLogEntry[] {
  const { id, namespace, flowId, created } = execution.execution;
  return lines.map((line, i) => ({
    seq: firstSeq + i, executionId: id, namespace, flowId, taskId: line.taskId ?? "t0", taskRunId: execution.taskRuns[0]?.id,
    attemptNumber: 1, level: line.level ?? "INFO", message: line.message, timestamp: line.timestamp ?? new Date(Date.parse(created) + i).toISOString(),
  }));
}
