import { renderString, triggerHolds } from "@ferry/core";
import type { EngineEvents, JsonStore, SavedRecords } from "@ferry/engine";
import { assertNesting, errorMessage, isTerminal, newId, parseDuration, UserError, type LogEntry, type Repository } from "@ferry/sdk";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import type { ExecutionWaiter } from "../http/execution-waiter.js";
import { executionJson } from "../http/serialize.js";
import type { RateLimiter } from "./rate-limiter.js";
import { refKey, type TriggerOfKind } from "./declared-triggers.js";
import type { TriggerStarter } from "./trigger-starter.js";
import type { WebhookLookup } from "./webhook-lookup.js";

const WAIT_LIMIT_MS = 10 * 60_000;
const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const NOT_FOUND = { message: "webhook not found: no such flow, flow disabled, or wrong key" };

type WebhookTrigger = TriggerOfKind<"webhook">;

/** one call of a webhook, as HTTP brought it */
export interface WebhookCall {
  namespace: string;
  flowId: string;
  key: string;
  /** read only once the call is known to be for a live webhook within its rate limit */
  body(): Promise<Uint8Array>;
  /** lower-case names, each with its values */
  headers: Record<string, string[]>;
  parameters: Record<string, string[]>;
}

/** what to answer: a status, a JSON body (none for 204) and headers */
export interface WebhookAnswer {
  status: 200 | 204 | 401 | 404 | 429;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface WebhookServiceDeps {
  lookup: WebhookLookup;
  rateLimiter: RateLimiter;
  starter: TriggerStarter;
  waiter: ExecutionWaiter;
  repository: Repository;
  store: JsonStore;
  logger: Logger;
  /** this process's log writer tells of lines it stored: a failed execution's error line is waited for there */
  events?: EngineEvents;
}

/**
 * A task's log lines and its result travel apart (the logs channel, the executor's), so an
 * execution can be seen ended before its last lines are stored: how long the answer waits for
 * the error line it names.
 */
const ERROR_LINE_GRACE_MS = 2_000;

/**
 * Kestra's webhook: finds the trigger (404 alike for an unknown flow, a disabled one and a
 * wrong key), applies its rate limit (429) and signature (401), checks its conditions (204),
 * starts the execution once per Idempotency-Key and answers it, at its end with `wait`, its
 * outputs alone with `returnOutputs`. The body is data: stored as the trigger's variables,
 * never rendered. Inputs (422 when they cannot be built) and the queue (503) fail as errors.
 */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  async call(call: WebhookCall): Promise<WebhookAnswer> {
    const { lookup, rateLimiter, starter, waiter } = this.deps;
    const trigger = await lookup.find(call.namespace, call.flowId, call.key);
    if (!trigger) return { status: 404, body: NOT_FOUND };
    const props = trigger.properties;

    if (props.rateLimit) {
      const verdict = rateLimiter.take(refKey(trigger.ref), props.rateLimit.requests, parseDuration(props.rateLimit.per));
      if (!verdict.allowed) {
        return {
          status: 429,
          headers: { "Retry-After": String(Math.ceil(verdict.retryAfterMs / 1000)) },
          body: { message: `rate limit of flow ${call.namespace}.${call.flowId}'s webhook reached (${props.rateLimit.requests} per ${props.rateLimit.per})` },
        };
      }
    }
    const raw = await call.body();
    if (props.signature) {
      const problem = await this.signatureProblem(trigger, props.signature, call.headers[props.signature.header.toLowerCase()]?.[0], raw);
      if (problem) return { status: 401, body: { message: problem } };
    }

    const variables = { body: props.fetchType === "NONE" ? null : bodyOf(raw), headers: call.headers, parameters: call.parameters };
    // one render context for the request: its conditions and its inputs see the same variables
    const context = starter.context(trigger, variables);
    if (!(await triggerHolds(trigger.spec, context))) return { status: 204 };

    const idempotencyKey = call.headers["idempotency-key"]?.[0];
    const id = newId();
    const waiting = props.wait ? waiter.wait(id, WAIT_LIMIT_MS) : undefined;
    let result;
    try {
      result = await starter.start(trigger, {
        id,
        variables,
        context,
        once: idempotencyKey ? { key: `webhook:${refKey(trigger.ref)}#${idempotencyKey}`, ttlMs: IDEMPOTENCY_TTL_MS } : undefined,
      });
    } catch (error) {
      waiter.cancel(id);
      throw error;
    }
    if (!result.started) {
      // a repeat: answer for the execution the first call started
      waiter.cancel(id);
      return { ...(await this.answer(result.executionId, props)), headers: { "Idempotent-Replayed": "true" } };
    }
    if (!waiting) return { status: 200, body: await executionJson(this.deps.store, result.execution, []) };
    if (result.execution.id !== id) {
      // a start taken over from a holder that died before its create: created under the holder's id, awaited under it
      waiter.cancel(id);
      return this.answer(result.execution.id, props);
    }
    return this.answer(id, props, await waiting);
  }

  /** the execution's last ERROR line, waiting up to ERROR_LINE_GRACE_MS for one still on its way to the repository */
  private async lastErrorLine(id: string): Promise<string | undefined> {
    const { repository, events } = this.deps;
    const read = async () => (await repository.findLogs(id, { minLevel: "ERROR" })).at(-1)?.message;
    if (!events) return read();
    let stored!: () => void;
    const arrived = new Promise<void>((resolve) => (stored = resolve));
    // listening before the first read: a line stored between the two is not missed
    const listener = (entries: LogEntry[]) => {
      if (entries.some((e) => e.executionId === id && e.level === "ERROR")) stored();
    };
    events.on("logs", listener);
    const timer = setTimeout(() => stored(), ERROR_LINE_GRACE_MS);
    try {
      const found = await read();
      if (found !== undefined) return found;
      await arrived;
      return await read();
    } finally {
      clearTimeout(timer);
      events.off("logs", listener);
    }
  }

  /** the answer for an execution: at its end when the trigger waits, its outputs alone with returnOutputs */
  /** `saved`: the ended execution as this process saved it (the waiter's), so that it is not read back */
  private async answer(id: string, props: WebhookTrigger["properties"], saved?: SavedRecords): Promise<WebhookAnswer> {
    const { waiter, store } = this.deps;
    let found = saved ?? (await this.loadSoon(id));
    if (props.wait && !isTerminal(found.execution.state.current)) {
      found = (await waiter.wait(id, WAIT_LIMIT_MS)) ?? (await this.loadSoon(id));
    }
    const { execution, taskRuns } = found;
    if (props.wait && props.returnOutputs) {
      const state = execution.state.current;
      if (state === "SUCCESS" || state === "WARNING") return { status: 200, body: execution.outputsUri ? await store.read(execution.outputsUri) : {} };
      const error = await this.lastErrorLine(id);
      return { status: 200, body: { id, state, error: error ?? `execution ended ${state}` } };
    }
    return { status: 200, body: await executionJson(store, execution, taskRuns) };
  }

  /** an idempotent repeat may arrive while the first call is still saving its execution */
  private async loadSoon(id: string) {
    for (let i = 0; ; i++) {
      const found = await this.deps.repository.getExecution(id);
      if (found) return found;
      if (i >= 20) throw new UserError(`execution ${id} of the first call with this Idempotency-Key was not created`, { status: 409 });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * GitHub's X-Hub-Signature-256: `sha256=` and the hex HMAC-SHA256 of the raw body. The secret
   * is rendered without the request's variables: a caller must not choose the secret it is checked by.
   */
  private async signatureProblem(trigger: WebhookTrigger, signature: { secret: string; header: string }, given: string | undefined, raw: Uint8Array) {
    if (!given) return `missing signature header ${signature.header}`;
    let secret: string;
    try {
      secret = await renderString(signature.secret, this.deps.starter.context(trigger, {}));
    } catch (error) {
      this.deps.logger.warn({ trigger: refKey(trigger.ref) }, `webhook signature secret cannot be rendered: ${errorMessage(error)}`);
      return "signature cannot be checked";
    }
    const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
    const actual = Buffer.from(given.trim());
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? undefined : `signature in ${signature.header} does not match the body`;
  }
}

/** Kestra's `trigger.body`: a JSON object or array parsed, other text as is, binary as base64, nothing as null */
function bodyOf(raw: Uint8Array): unknown {
  if (!raw.length) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return Buffer.from(raw).toString("base64");
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text;
    }
    assertNesting(parsed, "the webhook body", 400);
    return parsed;
  }
  return text;
}
