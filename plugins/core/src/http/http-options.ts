import { isStorageUri, parseDuration, schema, UserError, z, type RunContext } from "@ferry/sdk";

/*
 * Kestra's HttpConfiguration (`options` of Request, Download and SseRequest), the parts Ferry
 * honours: allowFailed, followRedirects, auth (BASIC, BEARER, or the deprecated
 * basicAuthUser / basicAuthPassword), timeout (connectTimeout, readIdleTimeout) and the deprecated
 * connectTimeout / readTimeout Kestra's builder maps onto it. readIdleTimeout,
 * connectionPoolIdleTimeout and maxContentLength at the top are deprecated without equivalent and
 * Kestra ignores them: Ferry too, saying so in a warning (ignoredHttpOptions); Kestra's Request
 * @Example "Make an HTTP GET request with a timeout" writes them. Every other key is refused by
 * the strict schema.
 */
const auth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("BASIC"), username: schema.text(), password: schema.text() }),
  z.strictObject({ type: z.literal("BEARER"), token: schema.text() }),
]);

export const httpOptionsSchema = z
  .strictObject({
    readTimeout: schema.duration().optional(),
    allowFailed: schema.bool().optional(),
    followRedirects: schema.bool().default(true),
    auth: auth.optional(),
    basicAuthUser: schema.text().optional(),
    basicAuthPassword: schema.text().optional(),
    ssl: schema.notYet("options.ssl", "fetch checks certificates against the system's trust store; a self-signed server needs its CA there (NODE_EXTRA_CA_CERTS)"),
    timeout: z.strictObject({ connectTimeout: schema.duration().optional(), readIdleTimeout: schema.duration().optional() }).optional(),
    connectTimeout: schema.duration().optional(),
    readIdleTimeout: schema.duration().optional(),
    connectionPoolIdleTimeout: schema.duration().optional(),
    maxContentLength: schema.int({ min: 0 }).optional(),
    proxy: schema.notYet("options.proxy", "Ferry's HTTP tasks connect directly"),
  })
  .refine((o) => !(o.auth && (o.basicAuthUser !== undefined || o.basicAuthPassword !== undefined)), {
    message: "auth and the deprecated basicAuthUser/basicAuthPassword cannot be used together",
  });
export type HttpOptions = z.infer<typeof httpOptionsSchema>;

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
