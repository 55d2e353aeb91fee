import { defineConnectionType, errorMessage, UserError, z } from "@ferry/sdk";

export const httpConnectionValues = z
  .strictObject({
    /** the base URL requests go to; a task's relative `uri` is joined to it */
    url: z.url(),
    bearerToken: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    /** headers every request through the connection carries */
    headers: z.record(z.string(), z.string()).optional(),
  })
  .refine((v) => !(v.bearerToken && v.username), { message: "give bearerToken or username/password, not both", path: ["bearerToken"] })
  .refine((v) => v.password === undefined || v.username !== undefined, { message: "password needs a username", path: ["username"] });

export type HttpConnectionValues = z.infer<typeof httpConnectionValues>;

/** the request headers a connection adds: its own headers, then its auth */
export function httpConnectionHeaders(values: HttpConnectionValues): Headers {
  const headers = new Headers(values.headers ?? {});
  if (values.bearerToken) headers.set("authorization", `Bearer ${values.bearerToken}`);
  if (values.username !== undefined) headers.set("authorization", `Basic ${btoa(`${values.username}:${values.password ?? ""}`)}`);
  return headers;
}

/**
 * A task's `uri` on a connection: a path is joined to the connection's URL (`/users` on
 * `https://api.example.org/v1` is `…/v1/users`); a whole URL must lie under it, so the
 * connection's credentials never travel to another host.
 */
export function uriOnConnection(uri: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    const root = base.endsWith("/") ? base : `${base}/`;
    if (uri !== base && !uri.startsWith(root)) throw new UserError(`uri ${uri} is not under the connection's url ${base}: its credentials go only there`);
    return uri;
  }
  return `${base.replace(/\/+$/, "")}/${uri.replace(/^\/+/, "")}`;
}

/** An HTTP API: a base URL with bearer or basic auth from secrets (Windmill's and n8n's HTTP credentials). */
export const httpConnectionType = defineConnectionType({
  type: "http",
  title: "HTTP API",
  description: "A base URL and how to authenticate to it: `bearerToken`, or `username` and `password` (basic), and headers sent with every request.",
  schema: httpConnectionValues,
  secretFields: ["bearerToken", "password"],
  async test(values, { signal }) {
    let response: Response;
    try {
      response = await fetch(values.url, { headers: httpConnectionHeaders(values), signal });
      await response.body?.cancel();
    } catch (error) {
      throw new UserError(`GET ${values.url} failed: ${errorMessage((error as { cause?: unknown }).cause ?? error)}`, { cause: error });
    }
    if (response.status >= 400) throw new UserError(`GET ${values.url} answered HTTP ${response.status}`);
  },
});
