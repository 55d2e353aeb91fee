import { Hono, type Context } from "hono";
import { getMimeType } from "hono/utils/mime";
import { open } from "../auth.js";
import { loadUiFilesOnce, readUiFile, type UiFile } from "../ui/ui-files.js";

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Ferry</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Ferry is running; its web UI has not been built</h1>
<p>Build it with <code>npm run build</code> (or <code>npx turbo run build</code>) in Ferry's folder, then reload this page.</p>
<p>The REST API answers under <a href="/api/v1/openapi.json"><code>/api/v1</code></a>.</p>
</body>`;

/**
 * The web UI: a static single-page app under /ui/ (`/` and `/docs` lead there). Its files are
 * open, as Kestra serves its UI: they are the same for everyone and hold no data; everything
 * the UI shows comes from /api/v1, behind `server.auth`, and the UI asks for credentials when
 * the API answers 401. A path under /ui/ that is no file is a page of the app (index.html).
 */
export function uiRoutes(options: { files?: Map<string, UiFile> | null } = {}): Hono {
  const files = options.files === undefined ? loadUiFilesOnce() : (options.files ?? undefined);
  const app = new Hono();
  const send = async (c: Context, name: string) => {
    if (!files) return c.html(NOT_BUILT, 503);
    const file = files.get(name) ?? files.get("index.html")!;
    const served = files.has(name) ? name : "index.html";
    // a missing hashed asset is a 404, not the app's page: a stale tab would otherwise parse HTML as JavaScript
    if (!files.has(name) && name.startsWith("assets/")) return c.json({ message: `no file /ui/${name} in the UI's build` }, 404);
    c.header("Content-Type", getMimeType(served) ?? "application/octet-stream");
    c.header("Cache-Control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    c.header("X-Content-Type-Options", "nosniff");
    return c.body(new Uint8Array(await readUiFile(file)));
  };
  app.get("/", open((c) => (files ? c.redirect("/ui/") : c.html(NOT_BUILT, 503))));
  app.get("/docs", open((c) => c.redirect("/ui/api")));
  app.get("/ui", open((c) => c.redirect("/ui/")));
  app.get("/ui/", open((c) => send(c, "index.html")));
  app.get("/ui/:path{.+}", open((c) => send(c, c.req.param("path") ?? "")));
  return app;
}
