import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";
import { loadUiFiles } from "../ui/ui-files.js";
import { uiRoutes } from "./ui.routes.js";

let dist: string;
beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), "ferry-ui-dist-"));
  await mkdir(join(dist, "assets"));
  await writeFile(join(dist, "index.html"), "<!doctype html><title>Ferry</title>");
  await writeFile(join(dist, "assets", "index-abc123.js"), "console.log('ui')");
  await writeFile(join(dist, "secret.txt.map"), "{}");
});
afterAll(async () => rm(dist, { recursive: true, force: true }));

describe("web UI files", () => {
  it("serves the build under /ui/: files with their type, hashed assets cached for good, pages as index.html", async () => {
    const app = uiRoutes({ files: loadUiFiles(dist) });
    const asset = await app.request("/ui/assets/index-abc123.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(await asset.text()).toBe("console.log('ui')");
    for (const page of ["/ui/", "/ui/flows/company.team/hello/edit", "/ui/executions"]) {
      const response = await app.request(page);
      expect(response.status, page).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/html");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(await response.text()).toContain("<title>Ferry</title>");
    }
    // a stale tab asking for an asset of an older build gets a 404, not HTML parsed as JavaScript
    expect((await app.request("/ui/assets/index-old999.js")).status).toBe(404);
    expect((await app.request("/")).headers.get("location")).toBe("/ui/");
    expect((await app.request("/ui")).headers.get("location")).toBe("/ui/");
    expect((await app.request("/docs")).headers.get("location")).toBe("/ui/api");
  });

  it("never reads outside the build, whatever the path says", async () => {
    const app = uiRoutes({ files: loadUiFiles(dist) });
    for (const path of ["/ui/../package.json", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/assets/..%2f..%2fpackage.json", "/ui/assets/%2e%2e%2findex.html"]) {
      const response = await app.request(path);
      const text = await response.text();
      expect(text, path).not.toContain("root:");
      expect(text, path).not.toContain('"name"');
    }
  });

  it("says how to build the UI when it is not built, and the server still answers its API", async () => {
    const app = uiRoutes({ files: null });
    for (const path of ["/", "/ui/", "/ui/flows"]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(503);
      expect(await response.text()).toContain("npm run build");
    }
  });
});

describe("web UI behind server.auth", () => {
  let t: TestFerry;
  beforeAll(async () => void (t = await startTestFerry({ server: { port: 0, auth: { basic: [{ username: "ada", password: "correct horse" }], tokens: [] } } })));
  afterAll(async () => t?.close());

  it("serves the UI's files openly while its data stays behind the API's credentials", async () => {
    const page = await fetch(`${t.ferry.url}/ui/`);
    expect([200, 503]).toContain(page.status);
    const api = await fetch(`${t.ferry.url}/api/v1/flows/search`);
    expect(api.status).toBe(401);
    expect(api.headers.get("www-authenticate")).toContain("Basic");
  });

  it("leaves out WWW-Authenticate for the UI's own calls, so the browser does not open its Basic prompt over the UI's login form", async () => {
    const response = await fetch(`${t.ferry.url}/api/v1/flows/search`, { headers: { "X-Requested-With": "XMLHttpRequest" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(((await response.json()) as { message: string }).message).toContain("authentication required");
  });
});
