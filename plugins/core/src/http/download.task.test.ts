import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { downloadTask, filenameFromHeader } from "./download.task.js";

// a real HTTP server on 127.0.0.1
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.url === "/orders.csv") return res.writeHead(200, { "content-type": "text/csv" }).end("a,b\n1,2\n");
      if (req.url === "/named") return res.writeHead(200, { "content-disposition": 'attachment; filename="../report 1.txt"' }).end("named");
      if (req.url === "/empty") return res.writeHead(200).end();
      if (req.url === "/missing") return res.writeHead(404).end("no such file");
      if (req.url === "/short") {
        res.writeHead(200, { "content-length": "10" });
        res.write("abc");
        return res.destroy();
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method, contentType: req.headers["content-type"] ?? null, auth: req.headers.authorization ?? null, body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe("core.http.Download", () => {
  it("stores the body with the URI's extension and outputs uri, code, headers, length", async () => {
    const r = await runTask(downloadTask, { uri: `${base}/orders.csv` });
    const out = r.outputs as { uri: string; code: number; headers: Record<string, string[]>; length: number };
    expect(out.uri).toMatch(/\.csv$/);
    expect(out).toMatchObject({ code: 200, length: 8 });
    expect(out.headers["content-type"]).toEqual(["text/csv"]);
    expect(text(r.files[out.uri])).toBe("a,b\n1,2\n");
    expect(r.metrics).toEqual([{ name: "response.length", value: 8, type: "counter", tags: {} }]);
  });
  it("sends method, headers and a body with its content type (application/json by default, as Kestra)", async () => {
    const r = await runTask(downloadTask, { uri: `${base}/echo`, method: "POST", body: '{"a":1}', headers: { Authorization: "Bearer {{ secret('T') }}" } }, { secrets: { T: "t0k" } });
    const echoed = JSON.parse(text(r.files[(r.outputs as { uri: string }).uri]));
    // the header carried the secret; the stored file has it masked, as a worker stores every file a task puts
    expect(echoed).toEqual({ method: "POST", contentType: "application/json", auth: "Bearer ******", body: '{"a":1}' });
    const form = await runTask(downloadTask, { uri: `${base}/echo`, method: "POST", formData: { k: "v w" } });
    expect(JSON.parse(text(form.files[(form.outputs as { uri: string }).uri]))).toMatchObject({ contentType: "application/x-www-form-urlencoded", body: "k=v+w" });
  });
  it("names the file after Content-Disposition, its last path segment only", async () => {
    const r = await runTask(downloadTask, { uri: `${base}/named` });
    expect((r.outputs as { uri: string }).uri).toMatch(/\/report 1\.txt$/);
    expect(filenameFromHeader("attachment; filename*=UTF-8''na%C3%AFve.txt")).toBe("naïve.txt");
  });
  it("fails on an empty body unless failOnEmptyResponse is false (then warns), and on HTTP 404 unless allowFailed", async () => {
    await expect(runTask(downloadTask, { uri: `${base}/empty` })).rejects.toThrow(/No response from server/);
    const lenient = await runTask(downloadTask, { uri: `${base}/empty`, failOnEmptyResponse: false });
    expect(lenient.outputs).toMatchObject({ length: 0 });
    expect(lenient.logs).toContainEqual({ level: "WARN", message: `File '${base}/empty' is empty` });
    await expect(runTask(downloadTask, { uri: `${base}/missing` })).rejects.toThrow("Failed http request with response code '404' and body:\nno such file");
    expect((await runTask(downloadTask, { uri: `${base}/missing`, options: { allowFailed: true } })).outputs).toMatchObject({ code: 404, length: 12 });
  });
  it("fails when the connection drops before Content-Length bytes came", async () => {
    await expect(runTask(downloadTask, { uri: `${base}/short` })).rejects.toThrow();
  });
});
