import { UserError } from "@ferry/sdk";
import type { Context } from "hono";

/** dot-separated words of letters, digits, '_' and '-' (the flow schema's rule) */
const NAMESPACE = /^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$/;

/** the `:namespace` path parameter, or 400 JSON naming it */
export function namespaceParam(c: Context): string {
  const namespace = c.req.param("namespace")!;
  if (!NAMESPACE.test(namespace)) throw new UserError(`'${namespace}' is not a namespace`, { status: 400 });
  return namespace;
}
