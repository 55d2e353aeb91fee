import { checkConnection, findConnection, assertConnectionId, parseConnectionInput, resolveConnection, SecretMasker, shownConnection } from "@ferry/engine";
import { errorMessage, NotFoundError, parseJsonFromOutside, UserError } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import { isDeepStrictEqual } from "node:util";
import type { ApiDeps } from "../api-deps.js";
import { namespaceParam, onlyQuery } from "../params.js";

/** how long `POST …/test` lets a connection type's test() run */
const TEST_TIMEOUT_MS = 15_000;

/**
 * Connections of a namespace, in the KV routes' shapes: list (the namespace's own), GET (its own,
 * else the nearest parent's, as a flow of the namespace sees it), PUT `{type, values,
 * description?}` (answering the connection with `changed`), DELETE answering `true` or `false`, and POST …/test running the type's test().
 * Secret fields always show `******`; values the server resolves never leave it.
 */
export function connectionRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { repository, registry, secrets } = deps;
  const where = (c: Context) => ({ namespace: namespaceParam(c), id: assertConnectionId(c.req.param("id")!) });
  const shown = (record: Parameters<typeof shownConnection>[0]) => shownConnection(record, registry.connectionType(record.type));
  const visible = async (namespace: string, id: string) => {
    const found = await findConnection(repository, namespace, id);
    if (!found) throw new NotFoundError(`no connection ${id} in namespace ${namespace} or its parents`);
    return found;
  };

  app.get("/:namespace/connections", async (c) => {
    onlyQuery(c, []);
    return c.json((await repository.listConnections(namespaceParam(c))).map(shown));
  });

  app.get("/:namespace/connections/:id", async (c) => {
    const { namespace, id } = where(c);
    return c.json(shown(await visible(namespace, id)));
  });

  app.put("/:namespace/connections/:id", async (c) => {
    const { namespace, id } = where(c);
    const input = parseConnectionInput(parseJsonFromOutside(await c.req.text(), "the body ({type, values, description?})"));
    await checkConnection(registry, secrets, namespace, id, input);
    const stored = await repository.getConnection(namespace, id);
    // the same connection again (a deploy from git) writes nothing: its updateDate tells when it last changed
    const same = stored && stored.type === input.type && (stored.description ?? undefined) === input.description && isDeepStrictEqual(stored.values, input.values);
    if (same) return c.json({ ...shown(stored), changed: false });
    const now = new Date().toISOString();
    await repository.saveConnection({ namespace, id, ...input, created: now, updated: now });
    return c.json({ ...shown((await repository.getConnection(namespace, id))!), changed: true });
  });

  app.delete("/:namespace/connections/:id", async (c) => {
    const { namespace, id } = where(c);
    return c.json(await repository.deleteConnection(namespace, id));
  });

  /** `{ok: true, durationMs}`, or `{ok: false, message}` when the type's test could not open it (secrets masked) */
  app.post("/:namespace/connections/:id/test", async (c) => {
    const { namespace, id } = where(c);
    const record = await visible(namespace, id);
    const type = registry.connectionType(record.type);
    if (!type) throw new UserError(registry.unknownConnectionTypeMessage(record.type));
    if (!type.test) throw new UserError(`connection type ${type.type} has no test`);
    const masker = new SecretMasker();
    const connection = await resolveConnection(record, registry, secrets, (value) => masker.add(value));
    const started = Date.now();
    const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
    try {
      await Promise.race([
        type.test(connection.values, { signal }),
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error(`no answer within ${TEST_TIMEOUT_MS / 1000} s`)), { once: true })),
      ]);
      return c.json({ ok: true, durationMs: Date.now() - started });
    } catch (error) {
      return c.json({ ok: false, message: masker.mask(errorMessage(error)) });
    }
  });

  return app;
}
