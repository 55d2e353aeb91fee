import { UserError } from "@ferry/sdk";
import type { Context, Handler, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
// where Hono copies a sub-app's handler into its parent (app.route), it keeps the original under this key
import { COMPOSED_HANDLER } from "hono/utils/constants";
import { createHash, timingSafeEqual } from "node:crypto";

export interface AuthConfig {
  basic: Array<{ username: string; password: string }>;
  tokens: string[];
}

/** handlers anyone may call: health probes, and webhooks (their key is their credential) */
const openHandlers = new WeakSet<object>();

/** marks a route handler as open: the auth middleware lets a request through only when this handler answers it */
export function open<H extends Handler>(handler: H): H {
  openHandlers.add(handler);
  return handler;
}


/**
 * Whether the route that will answer this request is open. Decided by the route that matched,
 * never by the path's shape: `/api/v1/executions/webhook/x` is also `/executions/:namespace/:flowId`
 * for a namespace called `webhook`, and that route is not open. Middleware (`use`, method ALL) is
 * passed over: the first matched route with a method is the one that answers. That holds because
 * no route of the API is registered with `all()`; one that were would be passed over here too.
 */
function answeredByOpenRoute(c: Context): boolean {
  const route = matchedRoutes(c).find((r) => r.method !== "ALL");
  if (!route) return false;
  const handler = route.handler as Handler & { [COMPOSED_HANDLER]?: Handler };
  return openHandlers.has(handler) || (handler[COMPOSED_HANDLER] !== undefined && openHandlers.has(handler[COMPOSED_HANDLER]));
}

const digest = (text: string) => createHash("sha256").update(text).digest();
/** compares in constant time whatever the lengths (both sides hashed first) */
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * `server.auth`: a request needs `Authorization: Basic …` of a configured user or `Bearer …`
 * of a configured token; otherwise 401 JSON. Hono has a basic and a bearer middleware, but
 * not one that accepts either, so this checks both, every candidate compared in constant time.
 */
export function authMiddleware(auth: AuthConfig): MiddlewareHandler {
  const accepts = (header: string | undefined): boolean => {
    if (!header) return false;
    const [scheme, value = ""] = header.split(" ", 2);
    let ok = false;
    if (scheme.toLowerCase() === "bearer") for (const token of auth.tokens) ok = same(token, value.trim()) || ok;
    if (scheme.toLowerCase() === "basic") {
      let decoded = "";
      try {
        decoded = atob(value.trim());
      } catch {
        return false;
      }
      const at = decoded.indexOf(":");
      const [username, password] = at < 0 ? [decoded, ""] : [decoded.slice(0, at), decoded.slice(at + 1)];
      for (const user of auth.basic) ok = (same(user.username, username) && same(user.password, password)) || ok;
    }
    return ok;
  };
  return async (c, next) => {
    if (answeredByOpenRoute(c) || accepts(c.req.header("authorization"))) return next();
    // the web UI sends X-Requested-With (as Spring Security reads it): it asks for credentials
    // itself, and the browser's own Basic prompt would pop up over it
    if (auth.basic.length && c.req.header("x-requested-with") !== "XMLHttpRequest") c.header("WWW-Authenticate", 'Basic realm="ferry"');
    return c.json({ message: "authentication required: send Authorization: Basic (a server.auth user) or Bearer (a server.auth token)" }, 401);
  };
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** refuses to listen beyond this machine with nobody to check who calls */
export function assertSafeBinding(host: string, auth: AuthConfig | undefined): void {
  const configured = auth && (auth.basic.length > 0 || auth.tokens.length > 0);
  if (!configured && !LOOPBACK.has(host) && !host.startsWith("127.")) {
    throw new UserError(`invalid configuration at server.host: '${host}' is reachable from other machines, and server.auth has no user or token; add server.auth (basic users or bearer tokens), or listen on 127.0.0.1`);
  }
}
