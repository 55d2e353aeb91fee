import { schema, z } from "@ferry/sdk";

/**
 * The `options` Request and Download read, after Kestra's HttpConfiguration: `readTimeout`,
 * `allowFailed`, `auth` (BASIC with username/password, BEARER with token) and the deprecated
 * `basicAuthUser`/`basicAuthPassword`, which Kestra's builder turns into a BASIC auth (Kestra's
 * Request @Example "Execute a Kestra flow via an HTTP POST request authenticated with basic auth"
 * still writes them).
 */
export const httpOptions = z
  .strictObject({
    readTimeout: schema.duration().optional(),
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

/** the Authorization header the options ask for, if any */
export function optionsAuthorization(options: HttpOptions | undefined): string | undefined {
  if (!options) return undefined;
  if (options.auth?.type === "BEARER") return `Bearer ${options.auth.token}`;
  const basic = options.auth?.type === "BASIC" ? options.auth : options.basicAuthUser !== undefined ? { username: options.basicAuthUser, password: options.basicAuthPassword } : undefined;
  if (!basic) return undefined;
  // UTF-8 bytes, base64 (btoa takes Latin-1 only)
  return `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${basic.username}:${basic.password ?? ""}`)))}`;
}
