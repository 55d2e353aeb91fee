import type { MiddlewareHandler } from "hono";
import { getPath } from "hono/utils/url";

/**
 * Kestra's API puts the tenant in the path, `/api/v1/{tenant}/flows/...`, and its OSS edition has
 * one tenant, `main`; the SDKs Kestra generates from its OpenAPI document and `kestractl` always
 * send it. Ferry has one tenant too: `/api/v1/main/...` is answered by the same routes as the
 * un-prefixed `/api/v1/...` (which Ferry's UI, CLI and docs use), by rewriting the path the router
 * sees before any route or middleware matches, so auth, body limits and route order apply to both
 * spellings alike.
 */
export const FERRY_TENANT = "main";

const API = "/api/v1/";
const PREFIX = `${API}${FERRY_TENANT}`;

/**
 * Kestra 2.0 moved the single-execution actions under `/executions/{executionId}/actions/`;
 * 1.x, whose paths Ferry serves, has them bare. Clients built for 2.0 (kestractl's hand-written
 * SDK calls) send the new spelling: it reaches the same routes. (`webhook/{namespace}/...` is
 * a webhook whatever its namespace is called.)
 */
const ACTION = /^(\/api\/v1\/executions\/(?!webhook\/)[^/]+)\/actions\/(change-status|eval|force-run|kill|labels|pause|replay|replay-with-inputs|restart|resume|state|unqueue)(\/.*)?$/;

/** the path Hono routes on: `/api/v1/main/x` → `/api/v1/x`, `…/{id}/actions/kill` → `…/{id}/kill`, every other path as it is */
export function tenantlessPath(request: Request): string {
  let path = getPath(request);
  if (path === PREFIX) return API.slice(0, -1);
  if (path.startsWith(`${PREFIX}/`)) path = API + path.slice(PREFIX.length + 1);
  const action = ACTION.exec(path);
  return action ? `${action[1]}/${action[2]}${action[3] ?? ""}` : path;
}

/** the first segments under /api/v1 that Ferry serves: never read as a tenant */
const FERRY_ROOTS = new Set(["health", "openapi.json", "flows", "executions", "triggers", "logs", "history", "metrics", "namespaces", "workers", "server", "plugins", "configs"]);

/**
 * Kestra's tenant-scoped API roots that Ferry does not serve, with why. Kestra's Enterprise
 * Edition adds users, groups, roles, service accounts, apps, audit logs and more; a client that
 * calls them gets a 404 saying so rather than a bare "no route".
 */
const KESTRA_ONLY_ROOTS = new Map<string, string>([
  ...["users", "groups", "roles", "service-accounts", "bindings", "invitations", "auths", "tenant-access", "security-integrations", "scim", "audit-logs", "apps", "test-suites", "worker-groups", "maintenance", "banners", "cluster", "services", "tenants", "assets", "credentials", "instance"].map(
    (root): [string, string] => [root, "an Enterprise Edition endpoint of Kestra"],
  ),
  ...["taskruns", "dashboards", "blueprints", "stats", "files", "ai", "misc", "usages"].map((root): [string, string] => [root, "a Kestra endpoint Ferry does not implement"]),
]);

/**
 * After the rewrite, a path `/api/v1/{x}/{root}/...` whose `x` is no root of Ferry's and whose
 * `root` is one of Kestra's names a tenant other than `main`: 404 naming it. A Kestra root that
 * Ferry does not serve (Enterprise users, groups…): 404 saying so.
 */
export const refuseOtherTenants: MiddlewareHandler = async (c, next) => {
  const path = c.req.path;
  if (!path.startsWith(API)) return next();
  const [first = "", second] = path.slice(API.length).split("/");
  if (FERRY_ROOTS.has(first)) return next();
  if (second !== undefined && (FERRY_ROOTS.has(second) || KESTRA_ONLY_ROOTS.has(second))) {
    return c.json({ message: `unknown tenant '${first}': Ferry has one tenant, '${FERRY_TENANT}' (/api/v1/${FERRY_TENANT}/${second}/... or /api/v1/${second}/...)` }, 404);
  }
  const why = KESTRA_ONLY_ROOTS.get(first);
  if (why) return c.json({ message: `${c.req.method} ${path.replace(API, `${API}{tenant}/`)} is ${why}; Ferry does not serve /api/v1/${first}` }, 404);
  return next();
};
