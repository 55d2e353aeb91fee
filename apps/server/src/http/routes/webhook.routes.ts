import { conditionsHold, renderString } from "@ferry/core";
import { errorMessage, isTerminal, newId, parseDuration, UserError } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import { createHmac, timingSafeEqual } from "node:crypto";
import { refKey, type DeclaredTrigger } from "../../triggers/trigger-index.js";
import type { ApiDeps } from "../api-deps.js";
import { open } from "../auth.js";
import { executionJson } from "../serialize.js";

const WAIT_LIMIT_MS = 10 * 60_000;
const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const NOT_FOUND = { message: "webhook not found: no such flow, flow disabled, or wrong key" };

/**
 * `GET|POST|PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}`: Kestra's webhook.
 * Answers 404 alike for an unknown flow, a disabled one and a wrong key; 401 on a bad
 * signature; 429 over the rate limit; 204 when conditions are not met; 422 when inputs
 * cannot be built; otherwise 200 with the execution (at its end with `wait`). The body is
 * data: stored as the trigger's variables, never rendered.
 */
export function webhookRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { triggers } = deps;

  app.on(["GET", "POST", "PUT"], "/:namespace/:flowId/:key", open(async (c) => {
    const { namespace, flowId, key } = c.req.param();
    const trigger = await triggers.webhooks.find(namespace, flowId, key);
    if (!trigger) return c.json(NOT_FOUND, 404);
    const props = trigger.properties as { wait: boolean; returnOutputs: boolean; rateLimit?: { requests: number; per: string }; signature?: { secret: string; header: string } };

    if (props.rateLimit) {
      const verdict = triggers.rateLimiter.take(refKey(trigger.ref), props.rateLimit.requests, parseDuration(props.rateLimit.per));
      if (!verdict.allowed) {
        c.header("Retry-After", String(Math.ceil(verdict.retryAfterMs / 1000)));
        return c.json({ message: `rate limit of flow ${namespace}.${flowId}'s webhook reached (${props.rateLimit.requests} per ${props.rateLimit.per})` }, 429);
      }
    }
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (props.signature) {
      const problem = await signatureProblem(deps, trigger, props.signature, c.req.header(props.signature.header), raw);
      if (problem) return c.json({ message: problem }, 401);
    }

    const variables = { body: bodyOf(raw), headers: headersOf(c), parameters: c.req.queries() };
    if (!(await conditionsHold(trigger.spec.conditions as never, triggers.starter.context(trigger, variables)))) return c.body(null, 204);

    const idempotencyKey = c.req.header("idempotency-key");
    const id = newId();
    const waiting = props.wait ? deps.waiter.wait(id, WAIT_LIMIT_MS) : undefined;
    let result;
    try {
      result = await triggers.starter.start(trigger, {
        id,
        variables,
        once: idempotencyKey ? { key: `webhook:${refKey(trigger.ref)}#${idempotencyKey}`, ttlMs: IDEMPOTENCY_TTL_MS } : undefined,
      });
    } catch (error) {
      deps.waiter.cancel(id);
      throw error;
    }
    if (!result.started) {
      // a repeat: answer for the execution the first call started
      deps.waiter.cancel(id);
      c.header("Idempotent-Replayed", "true");
      return answer(c, deps, result.executionId, props);
    }
    if (!waiting) return c.json(await executionJson(deps.store, result.execution, []));
    await waiting;
    return answer(c, deps, id, props);
  }));

  return app;
}

/** the answer for an execution: at its end when the trigger waits, its outputs alone with returnOutputs */
async function answer(c: Context, deps: ApiDeps, id: string, props: { wait: boolean; returnOutputs: boolean }) {
  let found = await loadSoon(deps, id);
  if (props.wait && !isTerminal(found.execution.state.current)) {
    await deps.waiter.wait(id, WAIT_LIMIT_MS);
    found = await loadSoon(deps, id);
  }
  const { execution, taskRuns } = found;
  if (props.wait && props.returnOutputs) {
    const state = execution.state.current;
    if (state === "SUCCESS" || state === "WARNING") return c.json(execution.outputsUri ? await deps.store.read(execution.outputsUri) : {});
    const [error] = (await deps.repository.findLogs(id, { minLevel: "ERROR" })).slice(-1);
    return c.json({ id, state, error: error?.message ?? `execution ended ${state}` });
  }
  return c.json(await executionJson(deps.store, execution, taskRuns));
}

/** an idempotent repeat may arrive while the first call is still saving its execution */
async function loadSoon(deps: ApiDeps, id: string) {
  for (let i = 0; ; i++) {
    const found = await deps.repository.getExecution(id);
    if (found) return found;
    if (i >= 20) throw new UserError(`execution ${id} of the first call with this Idempotency-Key was not created`, { status: 409 });
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GitHub's X-Hub-Signature-256: `sha256=` and the hex HMAC-SHA256 of the raw body */
async function signatureProblem(deps: ApiDeps, trigger: DeclaredTrigger, signature: { secret: string; header: string }, given: string | undefined, raw: Uint8Array) {
  if (!given) return `missing signature header ${signature.header}`;
  let secret: string;
  try {
    secret = await renderString(signature.secret, deps.triggers.starter.context(trigger, {}));
  } catch (error) {
    deps.logger.warn({ trigger: refKey(trigger.ref) }, `webhook signature secret cannot be rendered: ${errorMessage(error)}`);
    return "signature cannot be checked";
  }
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
  const actual = Buffer.from(given.trim());
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? undefined : `signature in ${signature.header} does not match the body`;
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
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Kestra's `trigger.headers`: lower-case names, each with its list of values */
function headersOf(c: Context): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  c.req.raw.headers.forEach((value, name) => {
    (headers[name.toLowerCase()] ??= []).push(value);
  });
  return headers;
}
