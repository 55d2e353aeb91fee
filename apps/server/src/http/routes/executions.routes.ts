import { CORRELATION_ID_LABEL, customFilesPrefix, notRestartable, type ExecutorEvent, type SavedRecords } from "@ferry/engine";
import {
  assertSafeKey, assertStorableText, ConflictError, EXECUTION_STATES, executionPrefix, isStorageUri, isTerminal, namespaceFilesPrefix, NotFoundError, parseJsonFromOutside, storageKeyOf, toStorageUri, UserError,
  type ExecutionRecord, type ExecutionState, type HistorySearch,
} from "@ferry/sdk";
import type { Flow } from "@ferry/core";
import { Hono, type Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ApiDeps } from "../api-deps.js";
import { booleanQuery, dateQuery, EXACT_COUNT_LIMIT, labelsQuery, onlyQuery, pageOf, revisionQuery, zonedDateTimeQuery } from "../params.js";
import { executionJson } from "../serialize.js";

const WAIT_LIMIT_MS = 10 * 60_000;
/** where an execution came from, as Kestra's Label.FROM labels it */
const FROM_LABEL = "system.from";
const CORRELATION_ID = CORRELATION_ID_LABEL;

export function executionRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { repository, store, events } = deps;

  const load = async (id: string) => {
    const found = await repository.getExecution(id);
    if (!found) throw new NotFoundError(`execution ${id} not found`);
    return found;
  };
  /** `saved`: the execution as this process saved its end (the waiter's), so that it is not read back */
  const answer = async (id: string, saved?: SavedRecords) => {
    const { execution, taskRuns } = saved ?? (await load(id));
    return executionJson(store, execution, taskRuns);
  };
  /** what GET answers: the primary's record, or history's once the primary dropped it */
  const read = async (id: string) => {
    const found = await deps.history.getExecution(id);
    if (!found) throw new NotFoundError(`execution ${id} not found`);
    return executionJson(store, found.execution, found.taskRuns);
  };
  const { waiter } = deps;
  /** resolves once the execution is terminal (or the limit passes) */
  const waitForEnd = (id: string) => waiter.wait(id, WAIT_LIMIT_MS);

  app.get("/search", async (c) => {
    onlyQuery(c, [...EXECUTION_FILTERS, "page", "size", "after"]);
    const { page: pageNumber } = pageOf(c.req.query());
    const after = c.req.query("after");
    if (after !== undefined && pageNumber !== 1) throw new UserError("give either 'after' (the next page by cursor) or 'page', not both", { status: 400 });
    const page = await deps.history.searchExecutions({
      ...executionFilter(c),
      ...pageOf(c.req.query()),
      after,
      countUpTo: EXACT_COUNT_LIMIT,
    });
    return c.json({
      results: await Promise.all(page.results.map((e) => executionJson(store, e, []))),
      total: page.total,
      ...(page.totalEstimated ? { totalEstimated: true } : {}),
      // the keyset cursor of the following page (pass it as `after`), when the store gives one
      ...(page.next ? { next: page.next } : {}),
    });
  });

  /** Kestra's searchExecutionsByFlowId: a flow's executions, newest first (namespace and flowId required, as Kestra's are) */
  app.get("/", async (c) => {
    onlyQuery(c, ["namespace", "flowId", "page", "size"]);
    const namespace = c.req.query("namespace");
    const flowId = c.req.query("flowId");
    if (!namespace || !flowId) throw new UserError("query parameters namespace and flowId are required (GET /executions/search filters more freely)", { status: 400 });
    const page = await deps.history.searchExecutions({ ...executionFilter(c), ...pageOf(c.req.query()), countUpTo: EXACT_COUNT_LIMIT });
    return c.json({ results: await Promise.all(page.results.map((e) => executionJson(store, e, []))), total: page.total, ...(page.totalEstimated ? { totalEstimated: true } : {}) });
  });

  // registered before POST /:namespace/:flowId, which would otherwise match it
  // answers the execution as the restart saved it, RESTARTED (Kestra's ExecutionService.restart returns it so); the executor then runs it.
  // With `revision`: the restart is a new execution on that flow revision (Kestra's restart(execution, revision))
  app.post("/:id/restart", async (c) => {
    onlyQuery(c, ["revision"]);
    const id = c.req.param("id");
    const revision = revisionQuery(c);
    const source = await load(id);
    await assertRestartable(deps, source.execution);
    let target = id;
    if (revision !== undefined) {
      const { execution } = source;
      const refused = notRestartable(execution);
      if (refused) throw new ConflictError(refused);
      const flow = await deps.flows.get(execution.namespace, execution.flowId, revision).catch((error: unknown) => {
        if (error instanceof NotFoundError) throw new NotFoundError(`flow ${execution.namespace}.${execution.flowId} has no revision ${revision}: the restart needs an existing revision`, { cause: error });
        throw error;
      });
      target = (await deps.executions.restartCopy(source, flow)).id;
    }
    const state = await deps.executor.handle({ type: "restart", executionId: target });
    return c.json(state?.restarted ? await executionJson(store, state.restarted.execution, state.restarted.taskRuns) : await answer(target));
  });

  app.post("/:namespace/:flowId", async (c) => {
    const { namespace, flowId } = c.req.param();
    // Kestra's createExecution parameters (breakpoints and kind are not Ferry's yet), and Ferry's storagePrefix
    onlyQuery(c, ["labels", "wait", "revision", "scheduleDate", "storagePrefix"]);
    const wait = booleanQuery(c.req.query("wait"), "wait", false);
    // Kestra's scheduleDate: created now, started then (executor/scheduled-start.ts)
    const scheduleDate = zonedDateTimeQuery(c.req.query("scheduleDate"), "scheduleDate");
    const flow = await deps.flows.get(namespace, flowId, revisionQuery(c));
    const id = deps.executions.newId();
    // an execution may keep its files under a storage prefix of its own (Flyte's raw_data_path)
    const root = c.req.query("storagePrefix");
    const storagePrefix = root ? customFilesPrefix(root, id) : undefined;
    const filesRoot = storagePrefix ?? executionPrefix(namespace, flowId, id);
    const inputs = await inputsOf(c, deps, filesRoot);
    assertOwnFiles(flow, inputs, filesRoot);
    // Kestra's ExecutionController.parseLabels: `system.from` may be given (the UI gives `ui`), else it is `api`;
    // `system.correlationId` may be given too, a caller's idempotency key (docs how-to-guides/idempotency),
    // else it is the execution's own id; any other system label is refused by create
    const { [FROM_LABEL]: from = "api", [CORRELATION_ID]: correlationId, ...labels } = labelsQuery(c);
    assertStorableText(from, `label ${FROM_LABEL}`, 422);
    if (correlationId !== undefined) {
      if (correlationId === "") throw new UserError(`Label values cannot be empty, offending label: ${CORRELATION_ID}`, { status: 422 });
      assertStorableText(correlationId, `label ${CORRELATION_ID}`, 422);
    }
    const waiting = wait ? waitForEnd(id) : undefined;
    let created: Awaited<ReturnType<typeof deps.executions.create>>;
    try {
      created = await deps.executions.create({ flow, inputs, labels, systemLabels: { [FROM_LABEL]: from, ...(correlationId !== undefined ? { [CORRELATION_ID]: correlationId } : {}) }, id, storagePrefix, ...(scheduleDate ? { scheduleDate } : {}) });
    } catch (error) {
      waiter.cancel(id);
      throw error;
    }
    // Kestra answers the execution as created (CREATED); its row may be further on already (its first
    // save is the insert: RUNNING, the first task run QUEUED)
    return c.json(waiting ? await answer(id, await waiting) : await executionJson(store, created, []));
  });

  app.get("/:id", async (c) => c.json(await read(c.req.param("id"))));

  app.delete("/:id/kill", async (c) => {
    const { execution } = await load(c.req.param("id"));
    if (isTerminal(execution.state.current)) throw new ConflictError(`execution ${execution.id} already ended ${execution.state.current}`);
    await deps.executor.handle({ type: "kill", executionId: execution.id } satisfies ExecutorEvent);
    return c.json(await answer(execution.id), 202);
  });

  app.get("/:id/follow", async (c) => {
    const id = c.req.param("id");
    await load(id);
    return streamSSE(c, async (stream) => {
      let last = "";
      let ended = false;
      let wake: () => void = () => undefined;
      const onChange = (change: { executionId: string }) => change.executionId === id && wake();
      events.on("execution", onChange);
      stream.onAbort(() => {
        ended = true;
        wake();
      });
      try {
        while (!ended) {
          const json = await answer(id);
          const text = JSON.stringify(json);
          if (text !== last) {
            await stream.writeSSE({ event: "execution", data: text, id: String(Date.now()) });
            last = text;
          }
          if (isTerminal(json.state.current)) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 1000);
          });
        }
      } finally {
        events.off("execution", onChange);
      }
    });
  });

  return app;
}

/**
 * A FILE input given as text rather than uploaded may name one of the flow's namespace files
 * (`ferry://<namespace>/_files/…`); a URI into another namespace or another execution is
 * refused, never resolved.
 */
function assertOwnFiles(flow: Flow, inputs: Record<string, unknown>, filesRoot: string): void {
  const allowed = [`${namespaceFilesPrefix(flow.namespace)}/`, `${filesRoot}/`];
  for (const input of flow.inputs ?? []) {
    const value = inputs[input.id];
    if (input.type !== "FILE" || !isStorageUri(value)) continue;
    const key = storageKeyOf(value);
    if (!allowed.some((prefix) => key.startsWith(prefix))) {
      throw new UserError(`input ${input.id}: ${value} is not a file of this execution or of namespace ${flow.namespace}'s files`, { status: 422 });
    }
  }
}

/**
 * A restart runs tasks again on the execution's inputs: when a retention rule removed them
 * (or a FILE input's bytes), it is refused with 410 naming what is gone, not started to fail.
 */
export async function assertRestartable(deps: ApiDeps, execution: ExecutionRecord): Promise<void> {
  const gone = (uri: string) => new UserError(`execution ${execution.id} cannot be restarted: ${uri} was purged from internal storage`, { status: 410 });
  for (const uri of [execution.inputsUri, execution.trigger?.variablesUri]) {
    if (uri && !(await deps.store.storage.exists(storageKeyOf(uri)))) throw gone(uri);
  }
  const inputs = execution.inputsUri ? await deps.store.read<Record<string, unknown>>(execution.inputsUri) : {};
  for (const value of Object.values(inputs)) {
    if (isStorageUri(value) && !(await deps.store.storage.exists(storageKeyOf(value)))) throw gone(value);
  }
}

/** the query parameters that choose executions: what /search and the by-query actions read */
export const EXECUTION_FILTERS = ["namespace", "flowId", "state", "labels", "startDate", "endDate", "kind", "parentId"] as const;

export function executionFilter(c: Context): HistorySearch {
  // Kestra's search answers NORMAL executions unless asked for a kind: LOOP, a Loop's iterations
  const kind = c.req.query("kind");
  if (kind !== undefined && kind !== "NORMAL" && kind !== "LOOP") throw new UserError(`unknown execution kind '${kind.slice(0, 40)}' (one of NORMAL, LOOP)`, { status: 400 });
  const states = c.req.queries("state")?.flatMap((s) => s.split(",")).filter(Boolean) ?? [];
  for (const s of states) if (!EXECUTION_STATES.includes(s as ExecutionState)) throw new UserError(`unknown state '${s}' (one of ${EXECUTION_STATES.join(", ")})`, { status: 400 });
  return {
    namespace: c.req.query("namespace"),
    flowId: c.req.query("flowId"),
    state: states as ExecutionState[],
    ...(kind ? { kind } : {}),
    // the executions this one started: its Loops' iterations (with kind=LOOP), its Subflows'
    ...(c.req.query("parentId") ? { parentId: c.req.query("parentId") } : {}),
    labels: labelsQuery(c),
    startedAfter: dateQuery(c.req.query("startDate"), "startDate"),
    endedBefore: dateQuery(c.req.query("endDate"), "endDate"),
  };
}

/** Inputs from a multipart form (files stored under the execution), a JSON object, or nothing. */
export async function inputsOf(c: Context, deps: ApiDeps, prefix: string): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
    const body = await c.req.parseBody({ all: true }).catch((error: Error) => {
      throw new UserError(`the form body does not parse: ${error.message}`, { status: 400 });
    });
    const inputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      const single = Array.isArray(value) ? value[0] : value;
      if (typeof single === "string") inputs[key] = single;
      else if (single instanceof File) {
        const name = single.name && !single.name.includes("/") ? single.name : "file";
        const fileKey = `${prefix}/inputs/${assertSafeKey(key)}/${assertSafeKey(name)}`;
        await deps.store.storage.put(fileKey, new Uint8Array(await single.arrayBuffer()));
        inputs[key] = toStorageUri(fileKey);
      }
    }
    return inputs;
  }
  const text = await c.req.text();
  if (!text.trim()) return {};
  const parsed = parseJsonFromOutside(text, "the inputs body");
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new UserError("inputs must be a JSON object", { status: 400 });
  return parsed as Record<string, unknown>;
}

