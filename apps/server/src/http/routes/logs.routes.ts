import { isTerminal, LOG_LEVELS, NotFoundError, UserError, type LogEntry, type LogLevel } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiDeps } from "../api-deps.js";
import { onlyQuery } from "../params.js";

/** how often a follower also reads the repository (logs stored by another server replica) */
const POLL_MS = 1000;
/** after the execution ends, trailing log batches still on their way */
const TRAILING_MS = 500;

const identity = (l: LogEntry) => `${l.timestamp}\u0000${l.taskRunId ?? ""}\u0000${l.level}\u0000${l.message}`;

/** `minLevel`, checked */
export function levelQuery(c: Context): LogLevel | undefined {
  const minLevel = c.req.query("minLevel")?.toUpperCase();
  if (minLevel && !LOG_LEVELS.includes(minLevel as LogLevel)) throw new UserError(`unknown level '${minLevel}' (one of ${LOG_LEVELS.join(", ")})`, { status: 400 });
  return minLevel as LogLevel | undefined;
}

export function logRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const queryFilter = (c: Context) => {
    onlyQuery(c, ["taskId", "taskRunId", "minLevel"]);
    return { taskId: c.req.query("taskId"), taskRunId: c.req.query("taskRunId"), minLevel: levelQuery(c) };
  };
  const filterOf = async (c: Context) => {
    const executionId = c.req.param("executionId")!;
    const filter = queryFilter(c);
    if (!(await deps.repository.getExecution(executionId))) throw new NotFoundError(`execution ${executionId} not found`);
    return { executionId, filter };
  };

  app.get("/:executionId", async (c) => {
    const executionId = c.req.param("executionId");
    const filter = queryFilter(c);
    const logs = await deps.history.findLogs(executionId, filter);
    if (!logs) throw new NotFoundError(`execution ${executionId} not found`);
    return c.json(logs);
  });

  /**
   * Kestra's log stream: every stored line of the execution, then new ones as they are stored
   * (server-sent events, one `log` event per line), until the execution has ended.
   */
  app.get("/:executionId/follow", async (c) => {
    const { executionId, filter } = await filterOf(c);
    const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level);
    const wanted = (l: LogEntry) =>
      l.executionId === executionId &&
      (!filter.taskId || l.taskId === filter.taskId) &&
      (!filter.taskRunId || l.taskRunId === filter.taskRunId) &&
      (!filter.minLevel || rank(l.level) >= rank(filter.minLevel));
    return streamSSE(c, async (stream) => {
      const sent = new Set<string>();
      const pending: LogEntry[] = [];
      let wake: () => void = () => undefined;
      // listen before the first read, so no line falls between the two; lines seen twice are sent once
      const onLogs = (entries: LogEntry[]) => {
        const mine = entries.filter(wanted);
        if (mine.length) {
          pending.push(...mine);
          wake();
        }
      };
      deps.events.on("logs", onLogs);
      let aborted = false;
      stream.onAbort(() => {
        aborted = true;
        wake();
      });
      const batch: string[] = [];
      const send = async (entries: LogEntry[]) => {
        for (const entry of entries) {
          const key = identity(entry);
          if (sent.has(key)) continue;
          sent.add(key);
          // a thousand events a write: a backlog of 100,000 lines went out one awaited write at a time
          batch.push(`event: log\ndata: ${JSON.stringify(entry)}\n\n`);
          if (batch.length >= 1000) await stream.write(batch.splice(0).join(""));
        }
        if (batch.length) await stream.write(batch.splice(0).join(""));
      };
      try {
        let endedAt: number | undefined;
        let lastRead = 0;
        while (!aborted) {
          if (Date.now() - lastRead >= POLL_MS || endedAt) {
            lastRead = Date.now();
            pending.push(...(await deps.repository.findLogs(executionId, filter)));
          }
          await send(pending.splice(0));
          if (endedAt && Date.now() - endedAt >= TRAILING_MS) break;
          if (!endedAt) {
            const found = await deps.repository.getExecution(executionId);
            if (!found || isTerminal(found.execution.state.current)) endedAt = Date.now();
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, endedAt ? TRAILING_MS : POLL_MS);
          });
        }
      } finally {
        deps.events.off("logs", onLogs);
      }
    });
  });
  return app;
}
