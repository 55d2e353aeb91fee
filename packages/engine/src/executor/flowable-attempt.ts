import type { TaskRunRecord } from "@ferry/sdk";

/**
 * Whether a flowable's task run is one a worker runs whole (a WorkingDirectory, whose attempts
 * are its jobs), not one the executor resolves: every other flowable's attempt is marked
 * `flowable`, the one Kestra gives it (JdbcExecutor's "flowable attempt state transition").
 */
export const isWorkerFlowable = (run: TaskRunRecord): boolean => Boolean(run.planUri) && run.attempts.some((a) => !a.flowable);
