import { isStorageUri, parseDuration, schema, UserError, z, type RunContext } from "@ferry/sdk";

/*
 * Kestra's HttpConfiguration (`options` of Request, Download and SseRequest), every property of
 * its versions but the newest's HTTP-level retry: allowFailed, allowedResponseCodes,
 * followRedirects, auth (BASIC, BEARER, or the deprecated basicAuthUser / basicAuthPassword),
 * timeout (connectTimeout, readIdleTimeout) and the deprecated connectTimeout / readTimeout
 * Kestra's builder maps onto it, proxy (and the deprecated proxyType / proxyAddress / proxyPort /
 * proxyUsername / proxyPassword), ssl.insecureTrustAllCertificates, defaultCharset (a text body's
 * encoding), logs (and the deprecated logLevel its builder maps onto them): the transport is in
 * http-transport.ts. readIdleTimeout, connectionPoolIdleTimeout and maxContentLength at the top
 * are deprecated without equivalent and Kestra ignores them: Ferry too, saying so in a warning
 * (ignoredHttpOptions); Kestra's Request @Example "Make an HTTP GET request with a timeout" writes
 * them. Every other key is refused by the strict schema.
 */
const auth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("BASIC"), username: schema.text(), password: schema.text() }),
  z.strictObject({ type: z.literal("BEARER"), token: schema.text() }),
]);

/** java.net.Proxy.Type; DIRECT (Kestra's default) connects without a proxy */
const PROXY_TYPES = ["DIRECT", "HTTP", "SOCKS"] as const;
const proxy = z.strictObject({
  type: z.enum(PROXY_TYPES).optional(),
  address: schema.text().optional(),
  port: schema.int({ min: 1, max: 65535 }).optional(),
  username: schema.text().optional(),
  password: schema.text().optional(),
});
/** HttpConfiguration.LoggingType: what the client logs of each exchange (headers at DEBUG, bodies at TRACE) */
export const HTTP_LOGS = ["REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"] as const;
export type HttpLog = (typeof HTTP_LOGS)[number];
/** the Java charsets a text body may be encoded in, by the names Java gives them (and their Node encoding) */
export const CHARSETS: Record<string, BufferEncoding> = { "UTF-8": "utf8", "ISO-8859-1": "latin1", "US-ASCII": "ascii", "UTF-16LE": "utf16le" };
export const httpOptionsSchema = z
  .strictObject({
    readTimeout: schema.duration().optional(),
    allowFailed: schema.bool().optional(),
    followRedirects: schema.bool().default(true),
    auth: auth.optional(),
    basicAuthUser: schema.text().optional(),
    basicAuthPassword: schema.text().optional(),
    allowedResponseCodes: z.array(schema.int({ min: 100, max: 999 })).optional(),
    ssl: z.strictObject({ insecureTrustAllCertificates: schema.bool().optional() }).optional(),
    timeout: z.strictObject({ connectTimeout: schema.duration().optional(), readIdleTimeout: schema.duration().optional() }).optional(),
    connectTimeout: schema.duration().optional(),
    readIdleTimeout: schema.duration().optional(),
    connectionPoolIdleTimeout: schema.duration().optional(),
    maxContentLength: schema.int({ min: 0 }).optional(),
    proxy: proxy.optional(),
    proxyType: z.enum(PROXY_TYPES).optional(),
    proxyAddress: schema.text().optional(),
    proxyPort: schema.int({ min: 1, max: 65535 }).optional(),
    proxyUsername: schema.text().optional(),
    proxyPassword: schema.text().optional(),
    // a Java charset name, read when the request is sent (Kestra's Property<Charset> is rendered then too)
    defaultCharset: z.string().min(1).optional(),
    logs: z.array(z.enum(HTTP_LOGS)).optional(),
    // Micronaut's LogLevel; Kestra's builder maps TRACE, DEBUG and INFO onto logs, the others log nothing
    logLevel: z.enum(["ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF", "NOT_SPECIFIED"]).optional(),
  })
  .refine((o) => !(o.auth && (o.basicAuthUser !== undefined || o.basicAuthPassword !== undefined)), {
    message: "auth and the deprecated basicAuthUser/basicAuthPassword cannot be used together",
  });
export type HttpOptions = z.infer<typeof httpOptionsSchema>;

/** the proxy the options name, the deprecated top-level properties merged in as Kestra's builder does; none without an address */
export function proxyOf(options: HttpOptions | undefined): z.infer<typeof proxy> | undefined {
  if (!options) return undefined;
  const merged = {
    ...options.proxy,
    ...(options.proxyType !== undefined ? { type: options.proxyType } : {}),
    ...(options.proxyAddress !== undefined ? { address: options.proxyAddress } : {}),
    ...(options.proxyPort !== undefined ? { port: options.proxyPort } : {}),
    ...(options.proxyUsername !== undefined ? { username: options.proxyUsername } : {}),
    ...(options.proxyPassword !== undefined ? { password: options.proxyPassword } : {}),
  };
  // HttpClient: a proxy only when its address is set and not empty
  return merged.address ? merged : undefined;
}

/**
 * Why a proxy cannot be used, in HttpClient's terms: java.net.Proxy refuses an address with the
 * type DIRECT (its default), and the port is required. Checked when the request is sent, as
 * Kestra's client meets it (ProxyConfiguration itself has no constraints: such a flow deploys).
 */
export function proxyProblem(p: z.infer<typeof proxy> | undefined): string | undefined {
  if (!p) return undefined;
  if ((p.type ?? "DIRECT") === "DIRECT") return "a proxy address needs type HTTP or SOCKS (DIRECT, the default, connects without one; Kestra's java.net.Proxy refuses an address with it)";
  if (p.port === undefined) return "a proxy address needs its port";
  return undefined;
}

/** the Node encoding of a Java charset name (case-insensitive, with Java's common aliases) */
export function charsetOf(name: string): BufferEncoding | undefined {
  const upper = name.trim().toUpperCase();
  const aliases: Record<string, string> = { UTF8: "UTF-8", LATIN1: "ISO-8859-1", "ISO8859-1": "ISO-8859-1", ASCII: "US-ASCII", "UTF-16-LE": "UTF-16LE" };
  return CHARSETS[aliases[upper] ?? upper];
}

/** what the exchange is logged with: `logs`, or what the deprecated `logLevel` maps onto */
export function logsOf(options: HttpOptions | undefined): Set<HttpLog> {
  if (options?.logs) return new Set(options.logs);
  switch (options?.logLevel) {
    // the builder maps these three; ALL and the others log nothing there
    case "TRACE":
      return new Set(HTTP_LOGS);
    case "DEBUG":
      return new Set(["REQUEST_HEADERS", "RESPONSE_HEADERS"]);
    case "INFO":
      return new Set(["RESPONSE_HEADERS"]);
    default:
      return new Set();
  }
}

/**
 * Whether an answer's status passes (HttpClient.isAllowedStatusCode): one of
 * `allowedResponseCodes` when they are given, else any with allowFailed, else below 400
 */
export function statusAllowed(status: number, options: HttpOptions | undefined, allowFailed = false): boolean {
  const allowed = options?.allowedResponseCodes;
  if (allowed && allowed.length > 0) return allowed.includes(status);
  return allowFailed || options?.allowFailed === true || status < 400;
}

/** the Authorization header the options ask for, if any */
export function authorization(options: HttpOptions | undefined): string | undefined {
  if (!options) return undefined;
  const basic = (user: string, password: string) => `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;
  if (options.auth?.type === "BASIC") return basic(options.auth.username, options.auth.password);
  if (options.auth?.type === "BEARER") return `Bearer ${options.auth.token}`;
  if (options.basicAuthUser !== undefined) return basic(options.basicAuthUser, options.basicAuthPassword ?? "");
  return undefined;
}

/** the deprecated options given that Kestra's HttpConfiguration keeps but never reads */
const IGNORED = ["readIdleTimeout", "connectionPoolIdleTimeout", "maxContentLength"] as const;

export function ignoredHttpOptions(options: HttpOptions | undefined): string[] {
  return options ? IGNORED.filter((name) => options[name] !== undefined).map((name) => `options.${name} has no effect: Kestra deprecated it without an equivalent and ignores it too`) : [];
}

/**
 * How long the exchange may take, in milliseconds: `readMs`, the whole answer (`timeout.readIdleTimeout`,
 * or the deprecated `readTimeout` Kestra's builder maps onto it); `connectMs`, until the answer's
 * headers arrive (`timeout.connectTimeout` or the deprecated `connectTimeout`: fetch does not show the
 * connection apart from the wait for the headers). Each with the option's name, for the error.
 */
export function httpTimeouts(options: HttpOptions | undefined): { readMs?: number; connectMs?: number; readName: string; connectName: string } {
  const read = options?.timeout?.readIdleTimeout ?? options?.readTimeout;
  const connect = options?.timeout?.connectTimeout ?? options?.connectTimeout;
  return {
    ...(read !== undefined ? { readMs: parseDuration(read) } : {}),
    ...(connect !== undefined ? { connectMs: parseDuration(connect) } : {}),
    readName: options?.timeout?.readIdleTimeout !== undefined ? "options.timeout.readIdleTimeout" : "options.readTimeout",
    connectName: options?.timeout?.connectTimeout !== undefined ? "options.timeout.connectTimeout" : "options.connectTimeout",
  };
}

/** fetch's `redirect` for the options (Kestra follows redirects unless followRedirects is false) */
export const redirectOf = (options: HttpOptions | undefined): RequestRedirect => (options?.followRedirects === false ? "manual" : "follow");

/**
 * a formData value: a text, a file given as `{content: <storage URI>, name}` (multipart), or any
 * other value, which a multipart body sends as its JSON (AbstractHttp.request's last case)
 */
const fileValue = z.strictObject({ content: z.string().min(1), name: z.string().min(1) });
export const formValueSchema = z.union([schema.text(), fileValue, z.unknown()]);
export type FormValue = z.infer<typeof formValueSchema>;

/** the request properties of the tasks that send one whole URL with a text body (Download, SseRequest; Request has its own: connections, any body) */
export const urlRequestShape = {
  uri: z.url(),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
  headers: z.record(z.string(), schema.text()).default({}),
  body: schema.text().optional(),
  contentType: z.string().default("application/json"),
  formData: z.record(z.string(), formValueSchema).optional(),
};
const isFile = (value: unknown): value is z.infer<typeof fileValue> => fileValue.safeParse(value).success;

/**
 * Kestra's formData: url-encoded, or with contentType multipart/form-data a multipart body whose
 * parts holding a storage URI (or `{content, name}`) are that file (named after the URI's last
 * segment, or `name`). Returns the body and the content type to send (none for multipart: fetch
 * writes it with its boundary).
 */
export async function formBody(ctx: Pick<RunContext, "getFile">, formData: Record<string, FormValue>, contentType: string | undefined): Promise<{ body: BodyInit; contentType?: string }> {
  if (!contentType?.toLowerCase().startsWith("multipart/form-data")) {
    const texts = Object.entries(formData).map(([k, v]) => {
      if (typeof v !== "string") throw new UserError(`formData.${k}: a file part needs contentType multipart/form-data`);
      return [k, v];
    });
    return { body: new URLSearchParams(texts), contentType: "application/x-www-form-urlencoded" };
  }
  const form = new FormData();
  const file = async (uri: string) => new Blob([new Uint8Array(await ctx.getFile(uri))]);
  for (const [key, value] of Object.entries(formData)) {
    if (isFile(value)) form.append(key, await file(value.content), value.name);
    else if (typeof value !== "string") form.append(key, JSON.stringify(value));
    else if (isStorageUri(value)) form.append(key, await file(value), value.split("/").pop());
    else form.append(key, value);
  }
  return { body: form };
}

/** Kestra's words for an answer of 400 or more (its HttpClient's HttpResponseFailure), the body after them when there is one */
export const failedResponse = (status: number, body: string | undefined) =>
  `Failed http request with response code '${status}'${body ? ` and body:\n${body.slice(0, 500)}` : ""}`;
