import { UserError, type TaskLogger } from "@ferry/sdk";
import { LRUCache } from "lru-cache";
import { CHARSETS, charsetOf, logsOf, proxyOf, proxyProblem, type HttpLog, type HttpOptions } from "./http-options.js";

/*
 * How an HTTP task's exchange travels and is logged, as Kestra's HttpClient builds its client
 * from HttpConfiguration: through `options.proxy`, trusting any certificate with
 * `options.ssl.insecureTrustAllCertificates`, logging what `options.logs` names.
 */

// Deno's own client options (a Deno worker's fetch takes `client`, not undici's `dispatcher`)
declare const Deno: { createHttpClient(options: { proxy: { url: string; basicAuth?: { username: string; password: string } } }): { close(): void } } | undefined;

/** what fetch is given besides the request: undici's dispatcher on Node, a Deno.HttpClient on Deno */
type Transport = { dispatcher?: { close(): Promise<void> }; client?: { close(): void } };
type Proxy = NonNullable<ReturnType<typeof proxyOf>>;

/**
 * One transport per distinct proxy and certificate setting, each a connection pool kept for
 * the tasks that ask for it again (Kestra builds a client per task run; a pool per run would
 * leave its idle sockets behind). An evicted one is closed once its requests are done.
 */
const transports = new LRUCache<string, Transport>({
  max: 32,
  dispose: (transport) => void (transport.dispatcher?.close().catch(() => undefined) ?? transport.client?.close()),
});

/** what fetch needs to send a request as the options ask; nothing when they ask for a direct, checked connection */
export async function transportOf(options: HttpOptions | undefined): Promise<Transport> {
  const proxy = proxyOf(options);
  // Kestra's HttpClient trusts any certificate once the property is set at all; `false` is read here as what it says
  const insecure = options?.ssl?.insecureTrustAllCertificates === true;
  if (!proxy && !insecure) return {};
  const problem = proxyProblem(proxy);
  if (problem) throw new UserError(`options.proxy: ${problem}`);
  const key = JSON.stringify([proxy ?? null, insecure]);
  let transport = transports.get(key);
  if (!transport) {
    transport = typeof Deno !== "undefined" ? denoTransport(proxy, insecure) : await nodeTransport(proxy, insecure);
    transports.set(key, transport);
  }
  return transport;
}

async function nodeTransport(proxy: Proxy | undefined, insecure: boolean): Promise<Transport> {
  // loaded only by the tasks that ask for a proxy or no certificate checks
  const undici = await import("undici");
  const requestTls = insecure ? { rejectUnauthorized: false } : undefined;
  if (!proxy) return { dispatcher: new undici.Agent({ connect: { rejectUnauthorized: false } }) };
  const credentials = proxy.username !== undefined && proxy.password !== undefined ? { username: proxy.username, password: proxy.password } : undefined;
  if (proxy.type === "SOCKS") {
    // requestTls (the target's TLS through the tunnel) is read by the agent but missing from its types
    const socks: ConstructorParameters<typeof undici.Socks5ProxyAgent>[1] & { requestTls?: object } = { ...credentials, requestTls };
    return { dispatcher: new undici.Socks5ProxyAgent(`socks5://${hostForUrl(proxy.address!)}:${proxy.port}`, socks) };
  }
  return {
    dispatcher: new undici.ProxyAgent({
      uri: `http://${hostForUrl(proxy.address!)}:${proxy.port}`,
      ...(credentials ? { token: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}` } : {}),
      // a plain-http target goes to the proxy as an absolute-form request, an https one through CONNECT, as Kestra's Apache client does
      proxyTunnel: false,
      requestTls,
    }),
  };
}

function denoTransport(proxy: Proxy | undefined, insecure: boolean): Transport {
  if (insecure) {
    throw new UserError(
      "options.ssl.insecureTrustAllCertificates: a Deno worker cannot turn certificate checks off for one request (Deno checks them unless the worker starts with --unsafely-ignore-certificate-errors); run the task on a Node worker, or trust the server's CA",
    );
  }
  const basicAuth = proxy!.username !== undefined && proxy!.password !== undefined ? { username: proxy!.username, password: proxy!.password } : undefined;
  const scheme = proxy!.type === "SOCKS" ? "socks5" : "http";
  return { client: Deno!.createHttpClient({ proxy: { url: `${scheme}://${hostForUrl(proxy!.address!)}:${proxy!.port}`, ...(basicAuth ? { basicAuth } : {}) } }) };
}

/** an IPv6 address in brackets, as a URL writes it */
const hostForUrl = (host: string) => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host);

/** a text body in `options.defaultCharset` (Kestra's StringRequestBody charset), the content type naming it; as it is without one */
export function encodedBody(text: string, contentType: string, options: HttpOptions | undefined): { body: BodyInit; contentType: string } {
  const charset = options?.defaultCharset;
  if (charset === undefined) return { body: text, contentType };
  const encoding = charsetOf(charset);
  if (!encoding) throw new UserError(`options.defaultCharset: '${charset}' is not a charset Ferry encodes a body in (${Object.keys(CHARSETS).join(", ")})`);
  const named = /;\s*charset=/i.test(contentType) ? contentType : `${contentType}; charset=${charset}`;
  return { body: new Uint8Array(Buffer.from(text, encoding)), contentType: named };
}

/** headers whose values stay out of the logs (Kestra's interceptors log them as sent) */
const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie"]);

function headersEntry(type: "request" | "response", headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((value, name) => lines.push(`${name}: ${SECRET_HEADERS.has(name.toLowerCase()) ? "******" : value}`));
  return `${type} headers:${lines.length === 0 ? " null" : `\n    ${lines.join("\n    ")}`}`;
}

function bodyText(body: BodyInit | null | undefined): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  if (body instanceof FormData) return Array.from(body as unknown as Iterable<[string, unknown]>, ([key]) => `${key}: (multipart part)`).join("\n    ");
  return "(binary)";
}

/** a URL without its credentials, as Kestra's HttpService.safeURI writes it */
function safeUri(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) [parsed.username, parsed.password] = ["", ""];
    return parsed.href;
  } catch {
    return url;
  }
}

/**
 * fetch through the transport the options ask for, the exchange logged as Kestra's
 * LoggingRequestInterceptor / LoggingResponseInterceptor do: the request line and headers, the
 * response's reason and headers at DEBUG; the bodies at TRACE (a response body read from a copy).
 */
export async function httpFetch(logger: TaskLogger, options: HttpOptions | undefined, url: string, init: RequestInit): Promise<Response> {
  const logs = logsOf(options);
  const headers = new Headers(init.headers);
  const has = (log: HttpLog) => logs.has(log);
  if (has("REQUEST_HEADERS")) {
    logger.debug(`request:\n    method: ${init.method ?? "GET"}\n    uri: ${safeUri(url)}`);
    logger.debug(headersEntry("request", headers));
  }
  if (has("REQUEST_BODY")) {
    const text = bodyText(init.body);
    logger.trace(text === undefined ? "request payload: null" : `request payload:\n    ${text}`);
  }
  const transport = await transportOf(options);
  const response = await fetch(url, { ...init, ...transport } as RequestInit);
  if (has("RESPONSE_HEADERS")) {
    logger.debug(`response:\n    reason: ${response.statusText}`);
    logger.debug(headersEntry("response", response.headers));
  }
  if (has("RESPONSE_BODY")) {
    const text = response.body ? await response.clone().text() : undefined;
    logger.trace(text === undefined ? "response payload: null" : `response payload:\n    ${text}`);
  }
  return response;
}
