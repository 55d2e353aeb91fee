import { connectionProperty, defineTask, errorMessage, OperationalError, schema, UserError, z, type RunContext } from "@ferry/sdk";
import { httpConnectionHeaders, uriOnConnection, type HttpConnectionValues } from "./http.connection.js";
import { authorization, failedResponse, formBody, formValueSchema, httpOptionsSchema, httpTimeouts, ignoredHttpOptions, redirectOf, statusAllowed } from "./http-options.js";
import { encodedBody, httpFetch } from "./http-transport.js";

/** answers a later attempt may not get: the server's trouble, a timeout, a request to slow down */
const transient = (status: number) => status >= 500 || status === 408 || status === 429;
/** a network failure fetch reports (as its error's cause) that a later attempt may not meet */
const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * A failed exchange in Ferry's terms: out of reach, reset or too slow is an OperationalError
 * (the task's retry policy retries it), a request fetch refuses (a scheme it cannot speak) a
 * UserError. A kill or the task's own timeout passes as it is: the worker says which.
 */
function exchangeError(error: unknown, what: string, signal: AbortSignal, timeouts: [AbortSignal | undefined, string][]): unknown {
  if (signal.aborted) return error;
  const expired = timeouts.find(([timeout]) => timeout?.aborted);
  if (expired) return new OperationalError(`${what}: no answer within ${expired[1]}`, { cause: error });
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.message ?? errorMessage(error);
  if (cause?.code && NETWORK.has(cause.code)) return new OperationalError(`${what} failed: ${reason}`, { cause: error });
  return new UserError(`${what} failed: ${reason}`, { cause: error });
}

/** Request's properties, which Kestra's http.Trigger shares (it builds a Request from them) */
export const requestShape = {
  /** a whole URL; on a connection, a path joined to the connection's url (or a URL under it) */
  uri: z.string().min(1),
  /** an `http` connection: its url as the base of `uri`, its auth and headers sent along */
  connection: connectionProperty<HttpConnectionValues>("http").optional(),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
  headers: z.record(z.string(), schema.text()).default({}),
  body: z.unknown().optional(),
  contentType: z.string().optional(),
  formData: z.record(z.string(), formValueSchema).optional(),
  allowFailed: schema.bool().default(false),
  options: httpOptionsSchema.optional(),
  encryptBody: schema.notYet("encryptBody", "the body is an output as any other; keep secrets out of it"),
};
/** a `uri` that is a whole URL, a template, or a path on a connection */
export const uriIsValid = (p: { uri: string; connection?: unknown }) => p.connection !== undefined || p.uri.includes("{{") || URL.canParse(p.uri);
export const INVALID_URI = { message: "Invalid URL (a path needs a connection)", path: ["uri"] };
export const requestProperties = z.strictObject(requestShape).refine(uriIsValid, INVALID_URI);
export type RequestProperties = z.infer<typeof requestProperties>;
export type RequestResult = {
  uri: string;
  code: number;
  headers: Record<string, string[]>;
  body?: string;
};

/** sends the request the properties describe; what a Request task and an http.Trigger's evaluation share */
export async function sendRequest(ctx: Pick<RunContext, "logger" | "signal" | "getFile">, props: RequestProperties): Promise<RequestResult> {
  const connection = props.connection?.values;
  const uri = connection ? uriOnConnection(props.uri, connection.url) : props.uri;
  const what = `${props.method} ${uri}`;
  let headers: Headers;
  try {
    headers = connection ? httpConnectionHeaders(connection) : new Headers();
    const auth = authorization(props.options);
    if (auth) headers.set("authorization", auth);
    // the task's own headers over the connection's
    for (const [name, value] of Object.entries(props.headers)) headers.set(name, value);
  } catch (error) {
    throw new UserError(`${what}: invalid headers: ${errorMessage(error)}`, { cause: error });
  }
  let body: BodyInit | undefined;
  if (props.formData) {
    const form = await formBody(ctx, props.formData, props.contentType);
    body = form.body;
    if (form.contentType) headers.set("content-type", form.contentType);
    else headers.delete("content-type");
  } else if (props.body !== undefined) {
    // Kestra's contentType defaults to application/json, a text body's too (AbstractHttp)
    const encoded = encodedBody(typeof props.body === "string" ? props.body : JSON.stringify(props.body), props.contentType ?? "application/json", props.options);
    body = encoded.body;
    headers.set("content-type", encoded.contentType);
  }
  for (const warning of ignoredHttpOptions(props.options)) ctx.logger.warn(warning);
  const timeouts = httpTimeouts(props.options);
  const readTimeout = timeouts.readMs !== undefined ? AbortSignal.timeout(timeouts.readMs) : undefined;
  const connect = timeouts.connectMs !== undefined ? new AbortController() : undefined;
  const connectTimer = connect ? setTimeout(() => connect.abort(), timeouts.connectMs) : undefined;
  const signal = AbortSignal.any([ctx.signal, ...(readTimeout ? [readTimeout] : []), ...(connect ? [connect.signal] : [])]);
  let response: Response;
  let text: string | undefined;
  try {
    response = await httpFetch(ctx.logger, props.options, uri, { method: props.method, headers, body, signal, redirect: redirectOf(props.options) });
    clearTimeout(connectTimer);
    text = props.method === "HEAD" ? undefined : await response.text();
  } catch (error) {
    throw exchangeError(error, what, ctx.signal, [
      [readTimeout, timeouts.readName],
      [connect?.signal, timeouts.connectName],
    ]);
  } finally {
    clearTimeout(connectTimer);
  }
  const outHeaders: Record<string, string[]> = {};
  response.headers.forEach((value, key) => (outHeaders[key] = [...(outHeaders[key] ?? []), value]));
  ctx.logger.debug(`${what} answered ${response.status}`);
  if (!statusAllowed(response.status, props.options, props.allowFailed)) {
    const message = failedResponse(response.status, text);
    throw transient(response.status) ? new OperationalError(message) : new UserError(message);
  }
  return { uri, code: response.status, headers: outHeaders, body: text };
}

export const requestTask = defineTask({
  kind: "runnable",
  type: "core.http.Request",
  aliases: ["io.kestra.plugin.core.http.Request", "io.kestra.plugin.fs.http.Request"],
  title: "HTTP request",
  description:
    "Sends an HTTP request with fetch; a `body` goes with `contentType` (application/json by default, as Kestra). Outputs `code`, `headers` and `body` (text). `formData` is sent url-encoded, or as multipart/form-data with that `contentType` (a storage URI or `{content, name}` as a file part). `options`: `timeout` (`connectTimeout`: until the answer's headers; `readIdleTimeout`: the whole answer) or Kestra's older `connectTimeout`/`readTimeout`, `allowFailed`, `allowedResponseCodes` (only these pass, when given), `followRedirects` (true by default), `auth` (`type: BASIC` with `username`/`password`, or `BEARER` with `token`), `proxy` (`type` HTTP or SOCKS, `address`, `port`, `username`, `password`; or Kestra's older `proxyType`, `proxyAddress`, …), `ssl.insecureTrustAllCertificates` (Node workers only), `defaultCharset` (a text body's encoding), `logs` (REQUEST_HEADERS, RESPONSE_HEADERS at DEBUG; REQUEST_BODY, RESPONSE_BODY at TRACE; or the older `logLevel`). A status ≥ 400 fails the task (in Kestra's words: `Failed http request with response code '404' and body: …`) unless `allowFailed`: 5xx, 408, 429, a refused or reset connection and `options.readTimeout` as transient failures (OperationalError), any other 4xx as the request's fault (UserError); the task's `retry` applies to both. On an `http` connection, `uri` may be a path joined to the connection's url, and the connection's auth and headers go along (the task's own headers over them).",
  properties: requestProperties,
  outputs: z.object({ uri: z.string(), code: z.number(), headers: z.record(z.string(), z.array(z.string())), body: z.string().optional() }),
  examples: [
    { title: "Call an API", flow: "id: call\nnamespace: company.team\ntasks:\n  - id: get\n    type: core.http.Request\n    uri: https://example.org/api\n" },
    { title: "Call an API through a connection (its base URL and token)", flow: "id: call\nnamespace: company.team\ntasks:\n  - id: get\n    type: core.http.Request\n    connection: github\n    uri: /repos/kestra-io/kestra\n" },
  ],
  run(ctx, props) {
    return sendRequest(ctx, props);
  },
});
