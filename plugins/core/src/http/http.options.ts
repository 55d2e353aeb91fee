import { parseDuration, schema, z } from "@ferry/sdk";

/**
 * The `options` Request and Download read, after Kestra's HttpConfiguration: `allowFailed`,
 * `timeout` (`connectTimeout`, `readIdleTimeout`), `auth` (BASIC with username/password, BEARER
 * with token), and the deprecated spellings Kestra's builder maps onto them: `connectTimeout` and
 * `readTimeout` (onto `timeout`), `basicAuthUser`/`basicAuthPassword` (a BASIC auth). Kestra's
 * Request @Examples still write them ("… authenticated with basic auth", "Make an HTTP GET
 * request with a timeout"). `readIdleTimeout`, `connectionPoolIdleTimeout` and `maxContentLength`
 * at the top are deprecated with no equivalent, and Kestra ignores them: so does Ferry, saying so
 * in a warning (ignoredHttpOptions).
 */
export const httpOptions = z
  .strictObject({
    timeout: z.strictObject({ connectTimeout: schema.duration().optional(), readIdleTimeout: schema.duration().optional() }).optional(),
    connectTimeout: schema.duration().optional(),
    readTimeout: schema.duration().optional(),
    readIdleTimeout: schema.duration().optional(),
    connectionPoolIdleTimeout: schema.duration().optional(),
    maxContentLength: schema.int({ min: 0 }).optional(),
    allowFailed: schema.bool().optional(),
    auth: z
      .discriminatedUnion("type", [
        z.strictObject({ type: z.literal("BASIC"), username: schema.text(), password: schema.text().optional() }),
        z.strictObject({ type: z.literal("BEARER"), token: schema.text() }),
      ])
      .optional(),
    basicAuthUser: schema.text().optional(),
    basicAuthPassword: schema.text().optional(),
  })
  .refine((o) => !(o.auth && (o.basicAuthUser !== undefined || o.basicAuthPassword !== undefined)), {
    message: "give auth or basicAuthUser/basicAuthPassword, not both",
    path: ["auth"],
  })
  .refine((o) => o.basicAuthPassword === undefined || o.basicAuthUser !== undefined, { message: "basicAuthPassword needs basicAuthUser", path: ["basicAuthUser"] });

export type HttpOptions = z.infer<typeof httpOptions>;

/** the deprecated options given that Kestra's HttpConfiguration keeps but never reads */
const IGNORED = ["readIdleTimeout", "connectionPoolIdleTimeout", "maxContentLength"] as const;

export function ignoredHttpOptions(options: HttpOptions | undefined): string[] {
  return options ? IGNORED.filter((name) => options[name] !== undefined).map((name) => `options.${name} has no effect: Kestra deprecated it without an equivalent and ignores it too`) : [];
}

/**
 * How long the exchange may take, in milliseconds: `read`, the whole answer (`timeout.readIdleTimeout`,
 * or the deprecated `readTimeout` Kestra's builder maps onto it); `connect`, until the answer's
 * headers arrive (`timeout.connectTimeout` or the deprecated `connectTimeout`: fetch does not show
 * the connection apart from the wait for the headers).
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

/** the Authorization header the options ask for, if any */
export function optionsAuthorization(options: HttpOptions | undefined): string | undefined {
  if (!options) return undefined;
  if (options.auth?.type === "BEARER") return `Bearer ${options.auth.token}`;
  const basic = options.auth?.type === "BASIC" ? options.auth : options.basicAuthUser !== undefined ? { username: options.basicAuthUser, password: options.basicAuthPassword } : undefined;
  if (!basic) return undefined;
  // UTF-8 bytes, base64 (btoa takes Latin-1 only)
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${basic.username}:${basic.password ?? ""}`)))}`;
}
