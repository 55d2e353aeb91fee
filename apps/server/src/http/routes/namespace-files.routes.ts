import { namespaceFileKey, namespaceFilesPrefix, NotFoundError, UserError } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { namespaceParam, onlyQuery } from "../params.js";


/**
 * Namespace files (Kestra's `/api/v1/namespaces/{namespace}/files`): scripts and data a
 * namespace's flows share, kept in internal storage under `<namespace>/_files/`. Paths are
 * relative to the namespace (a leading `/` is allowed); `..` and the like answer 400.
 */
export function namespaceFileRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { storage } = deps.store;

  const where = (c: Context, required = true) => {
    const namespace = namespaceParam(c);
    const path = c.req.query("path") ?? "";
    if (required && !path.replace(/^\/+/, "")) throw new UserError("give the file's path as ?path=", { status: 400 });
    return { namespace, path };
  };

  app.get("/:namespace/files/directory", async (c) => {
    const { namespace, path } = where(c, false);
    const dir = path.replace(/^\/+|\/+$/g, "");
    const prefix = dir ? namespaceFileKey(namespace, dir) : namespaceFilesPrefix(namespace);
    const children = new Map<string, { type: "File" | "Directory"; fileName: string; size?: number }>();
    for (const key of await storage.list(prefix)) {
      const [first, ...rest] = key.slice(prefix.length + 1).split("/");
      if (rest.length) children.set(first, { type: "Directory", fileName: first });
      else children.set(first, { type: "File", fileName: first, size: await storage.size(key) });
    }
    if (dir && !children.size) throw new NotFoundError(`no directory '${path}' in namespace ${namespace}`);
    return c.json([...children.values()].sort((a, b) => a.fileName.localeCompare(b.fileName)));
  });

  /** Kestra's FileAttributes of a file or directory (the namespace's root without a path) */
  app.get("/:namespace/files/stats", async (c) => {
    onlyQuery(c, ["path"]);
    const { namespace, path } = where(c, false);
    const name = path.replace(/^\/+|\/+$/g, "");
    if (!name) return c.json({ fileName: "", type: "Directory" });
    const key = namespaceFileKey(namespace, name);
    const fileName = name.slice(name.lastIndexOf("/") + 1);
    if (await storage.exists(key)) return c.json({ fileName, type: "File", size: await storage.size(key) });
    if ((await storage.list(key)).length) return c.json({ fileName, type: "Directory" });
    throw new NotFoundError(`no file or directory '${path}' in namespace ${namespace}`);
  });

  /** Kestra's searchNamespaceFiles: the paths (`/dir/file`) of the namespace's files that contain `q` */
  app.get("/:namespace/files/search", async (c) => {
    onlyQuery(c, ["q"]);
    const namespace = namespaceParam(c);
    const q = c.req.query("q");
    if (q === undefined) throw new UserError("query parameter q (a part of the path) is required", { status: 400 });
    const prefix = namespaceFilesPrefix(namespace);
    const paths = (await storage.list(prefix)).map((key) => `/${key.slice(prefix.length + 1)}`);
    return c.json(paths.filter((p) => p.includes(q)).sort());
  });

  app.get("/:namespace/files", async (c) => {
    const { namespace, path } = where(c);
    const bytes = await storage.get(namespaceFileKey(namespace, path));
    if (!bytes) throw new NotFoundError(`no file '${path}' in namespace ${namespace}`);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/octet-stream" });
  });

  /** the body is the file (any type), or a multipart form whose `fileContent` part is, as Kestra sends it */
  const write = async (c: Context) => {
    const { namespace, path } = where(c);
    const key = namespaceFileKey(namespace, path);
    let bytes: Uint8Array;
    if ((c.req.header("content-type") ?? "").includes("multipart/form-data")) {
      const form = await c.req.parseBody().catch((error: Error) => {
        throw new UserError(`the multipart form does not parse: ${error.message}`, { status: 400 });
      });
      const part = form["fileContent"];
      if (!(part instanceof File)) throw new UserError("the multipart form needs a fileContent part", { status: 400 });
      bytes = new Uint8Array(await part.arrayBuffer());
    } else bytes = new Uint8Array(await c.req.arrayBuffer());
    const { size } = await storage.put(key, bytes);
    return c.json({ namespace, path: `/${key.slice(namespaceFilesPrefix(namespace).length + 1)}`, size });
  };
  app.post("/:namespace/files", write);
  app.put("/:namespace/files", write);

  /** a file, or a directory and everything in it */
  app.delete("/:namespace/files", async (c) => {
    const { namespace, path } = where(c);
    const key = namespaceFileKey(namespace, path.replace(/\/+$/, ""));
    const removed = (await storage.delete(key)) ? 1 : await storage.deletePrefix(key);
    if (!removed) throw new NotFoundError(`no file '${path}' in namespace ${namespace}`);
    return c.body(null, 204);
  });

  return app;
}
