import {
  assertNamespaceInScope, executionStatesOf, LOG_LEVELS, type ExecutionCountQuery, type ExecutionCountRow, type ExecutionLogsQuery, type ExecutionsAccess, type ExecutionSearch, type LogEntry,
  type Repository,
} from "@ferry/sdk";

/** the execution a task runs in */
export interface RunningExecution {
  executionId: string;
  namespace: string;
  flowId: string;
}

/**
 * RunContext.executions: counts and logs read from the repository, of the namespaces the
 * flow may reach (`namespaces.isolation`). The repository is asked for lazily, as the KV store does.
 */
export function executionsAccess(repository: () => Promise<Repository>, run: RunningExecution): ExecutionsAccess {
  return {
    async count(query) {
      const repo = await repository();
      const rows: ExecutionCountRow[] = [];
      for (const flow of query.flows ?? []) {
        assertNamespaceInScope(run.namespace, flow.namespace, "executions");
        rows.push({ namespace: flow.namespace, flowId: flow.flowId, count: await countOfFlow(repo, flow.namespace, flow.flowId, query) });
      }
      for (const namespace of query.namespaces ?? []) {
        assertNamespaceInScope(run.namespace, namespace, "executions");
        rows.push({ namespace, count: await countBetween(repo, { namespace }, query) });
      }
      return rows;
    },
    async logs(query) {
      return logsOf(await repository(), run, query);
    },
  };
}

/** executions started within [startDate, endDate]: the repository counts "started at or after", so the end is a difference of two counts */
async function countBetween(repo: Repository, search: ExecutionSearch, query: ExecutionCountQuery): Promise<number> {
  // states no execution is ever in (SKIPPED, RETRYING…) count nothing: an empty filter would count them all
  const states = query.states?.length ? executionStatesOf(query.states) : undefined;
  if (states && !states.length) return 0;
  const total = async (startedAfter: string | undefined) => (await repo.searchExecutions({ ...search, state: states, startedAfter, page: 1, size: 1 })).total;
  const from = await total(query.startDate);
  if (!query.endDate) return from;
  const after = await total(new Date(Date.parse(query.endDate) + 1).toISOString());
  return Math.max(0, from - after);
}

/** one flow's count: with a flow id the repository takes the namespace exactly, as a flow is named by both */
async function countOfFlow(repo: Repository, namespace: string, flowId: string, query: ExecutionCountQuery): Promise<number> {
  return countBetween(repo, { namespace, flowId }, query);
}

async function logsOf(repo: Repository, run: RunningExecution, query: ExecutionLogsQuery): Promise<LogEntry[]> {
  const executionId = query.executionId ?? run.executionId;
  // Kestra looks another execution up in this flow unless namespace and flowId say otherwise
  const namespace = assertNamespaceInScope(run.namespace, query.namespace ?? run.namespace, "logs");
  const flowId = query.flowId ?? run.flowId;
  if (executionId !== run.executionId) {
    const found = await repo.getExecution(executionId);
    if (!found || found.execution.namespace !== namespace || found.execution.flowId !== flowId) return [];
  }
  const minLevel = query.minLevel ?? "INFO";
  if (!LOG_LEVELS.includes(minLevel)) throw new Error(`unknown log level ${minLevel}`);
  if (!query.taskIds?.length) return repo.findLogs(executionId, { minLevel });
  const lines: LogEntry[] = [];
  for (const taskId of query.taskIds) lines.push(...(await repo.findLogs(executionId, { taskId, minLevel })));
  return lines;
}
