import { filesPrefix, recordsPrefix } from "@ferry/engine";
import { NotFoundError, PurgedError, storageKeyOf, UserError, type ExecutionRecord, type TaskRunRecord } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";

/** text a preview shows as is; images come as base64 (Kestra's FileRender types) */
const TEXT_EXTENSIONS = new Set(["txt", "csv", "tsv", "json", "jsonl", "ndjson", "yaml", "yml", "xml", "html", "md", "log", "sql", "py", "js", "ts", "sh", "ini", "toml", "env"]);
const IMAGE_TYPES: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", svg: "image/svg+xml", bmp: "image/bmp" };
const PREVIEW_LINES = 1000;
/** a preview reads at most this much of a file, however large it is */
const PREVIEW_BYTES = 1024 * 1024;
const IMAGE_PREVIEW_BYTES = 10 * 1024 * 1024;

/** the first `max` bytes of a stream (and whether that was all of it), without reading the rest */
async function head(stream: ReadableStream<Uint8Array>, max: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks), complete: true };
      chunks.push(value);
      size += value.byteLength;
      if (size > max) return { bytes: Buffer.concat(chunks).subarray(0, max), complete: false };
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const extensionOf = (key: string) => /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase() ?? "";
const nameOf = (key: string) => key.slice(key.lastIndexOf("/") + 1);

/**
 * Files of an execution (FILE inputs, files tasks stored) by their `ferry://` URI, as
 * Kestra's `/executions/{id}/file` routes: download, metadata, preview. A URI outside the
 * execution's own prefixes is refused (403), never read; bytes a retention rule removed
 * answer 410 "purged", a URI the execution never had 404.
 */
export function executionFileRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { repository, store } = deps;

  /** the execution and the storage key of `?path=`, checked to be the execution's own */
  const locate = async (id: string, path: string | undefined): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[]; key: string; uri: string }> => {
    if (!path) throw new UserError("the path query parameter is required: the file's ferry:// URI", { status: 400 });
    const found = await repository.getExecution(id);
    if (!found) throw new NotFoundError(`execution ${id} not found`);
    const key = storageKeyOf(path);
    const own = [recordsPrefix(found.execution), filesPrefix(found.execution)].some((prefix) => key.startsWith(`${prefix}/`));
    if (!own) throw new UserError(`${path} is not a file of execution ${id}`, { status: 403 });
    return { ...found, key, uri: path };
  };

  /** 410 when the execution's history points at the URI (its bytes were purged), 404 otherwise */
  const missing = async ({ execution, taskRuns, uri }: { execution: ExecutionRecord; taskRuns: TaskRunRecord[]; uri: string }): Promise<Error> => {
    const docs = [execution.inputsUri, execution.outputsUri, ...taskRuns.map((r) => r.outputsUri)].filter((u): u is string => Boolean(u));
    for (const doc of docs) {
      const text = await store.read(doc).then(
        (value) => JSON.stringify(value),
        () => undefined,
      );
      // a record whose own document is gone was purged too: what it held may have been this file
      if (text === undefined || text.includes(JSON.stringify(uri).slice(1, -1))) return new PurgedError(uri);
    }
    return new NotFoundError(`execution ${execution.id} has no file ${uri}`);
  };

  app.get("/:id/file", async (c) => {
    const file = await locate(c.req.param("id"), c.req.query("path"));
    const { key } = file;
    const size = await store.storage.size(key);
    const body = size === undefined ? undefined : await store.storage.getStream(key);
    if (!body) throw await missing(file);
    const filename = nameOf(key).replace(/["\\\r\n]/g, "_");
    return c.body(body, 200, {
      "content-type": IMAGE_TYPES[extensionOf(key)] ?? "application/octet-stream",
      "content-length": String(size),
      "content-disposition": `attachment; filename="${filename}"; filename*=UTF-8''${encodeURIComponent(nameOf(key))}`,
    });
  });

  app.get("/:id/file/metas", async (c) => {
    const file = await locate(c.req.param("id"), c.req.query("path"));
    const size = await store.storage.size(file.key);
    if (size === undefined) throw await missing(file);
    return c.json({ size });
  });

  app.get("/:id/file/preview", async (c) => {
    const file = await locate(c.req.param("id"), c.req.query("path"));
    const { execution, key, uri } = file;
    const maxRows = Math.max(1, Math.min(100_000, Number.parseInt(c.req.query("maxRows") ?? String(PREVIEW_LINES), 10) || PREVIEW_LINES));
    const stream = await store.storage.getStream(key);
    if (!stream) throw await missing(file);
    const extension = extensionOf(key);
    if (IMAGE_TYPES[extension]) {
      const image = await head(stream, IMAGE_PREVIEW_BYTES);
      if (!image.complete) throw new UserError(`${uri} is over ${IMAGE_PREVIEW_BYTES} bytes, too large to preview; download it from /api/v1/executions/${execution.id}/file`, { status: 422 });
      return c.json({ extension, type: "IMAGE", content: Buffer.from(image.bytes).toString("base64") });
    }
    const { bytes, complete } = await head(stream, PREVIEW_BYTES);
    let text: string;
    try {
      // a cut file may end inside a character: `stream` lets the decoder hold its first bytes back
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: !complete });
    } catch {
      throw new UserError(`${uri} is not text and cannot be previewed; download it from /api/v1/executions/${execution.id}/file`, { status: 422 });
    }
    if (!TEXT_EXTENSIONS.has(extension) && /[\u0000-\u0008\u000e-\u001f]/.test(text)) {
      throw new UserError(`${uri} is not text and cannot be previewed; download it from /api/v1/executions/${execution.id}/file`, { status: 422 });
    }
    const lines = text.split("\n");
    const truncated = lines.length > maxRows || !complete;
    return c.json({ extension, type: "TEXT", content: lines.slice(0, maxRows).join("\n"), truncated });
  });

  return app;
}
