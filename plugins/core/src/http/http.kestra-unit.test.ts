// Kestra's RequestTest and DownloadTest (core/src/test/java/io/kestra/plugin/core/http/), against a real local server
// answering as their MockController / SlackWebController do. Not run: head/head404/bytes/run of DownloadTest (public
// internet); selfSigned* (options.ssl) are in http-transport.test.ts, against a local HTTPS server.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { downloadTask } from "./download.task.js";
import { requestTask } from "./request.task.js";

let server: Server;
let base: string;
const HELLO = '{ "hello": "world" }';
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const auth = req.headers.authorization ?? "";
      switch (req.url) {
        case "/hello": return res.writeHead(200).end(req.method === "HEAD" ? undefined : HELLO);
        case "/hello417": return res.writeHead(417, { "content-type": "application/json" }).end(HELLO);
        case "/redirect": return res.writeHead(301, { location: "/hello" }).end();
        case "/auth/basic": {
          const [user, password] = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString().split(":");
          return auth.startsWith("Basic ") && password === "p4ss" ? res.writeHead(200).end(`{"hello":"${user}"}`) : res.writeHead(401).end();
        }
        case "/auth/bearer": return auth.startsWith("Bearer ") ? res.writeHead(200).end(`{"hello":"${auth.slice(7)}"}`) : res.writeHead(401).end();
        case "/post/json": return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(JSON.parse(body)));
        case "/post/url-encoded": return res.writeHead(200).end(`${new URLSearchParams(body).get("hello")} > ${req.headers.test}`);
        case "/post/multipart": {
          const hello = /name="hello"\r\n\r\n([^\r]*)/.exec(body)?.[1];
          const file = /name="file"; filename="([^"]*)"\r\nContent-Type: [^\r]*\r\n\r\n([\s\S]*?)\r\n--/.exec(body);
          return res.writeHead(200).end(`${hello} > ${file?.[2]} (${file?.[1]})`);
        }
        case "/500": return res.writeHead(500).end();
        case "/204": return res.writeHead(204).end();
        case "/chunked": {
          res.writeHead(200, { "transfer-encoding": "chunked" });
          for (let i = 0; i < 10000; i++) res.write("Hello World\n");
          return res.end();
        }
        case "/content-disposition": return res.writeHead(200, { "content-disposition": 'attachment; filename="filename.jpg"' }).end("Hello World");
        case "/content-disposition-path": return res.writeHead(200, { "content-disposition": 'attachment; filename="/secure-path/filename.jpg"' }).end("Hello World");
        case "/content-disposition-double-dot": return res.writeHead(200, { "content-disposition": 'attachment; filename="/secure-path/filename..jpg"' }).end("Hello World");
        default: return res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

type Out = Record<string, any>;
const request = async (props: Record<string, unknown>, options = {}) => (await runTask(requestTask, { uri: `${base}/hello`, ...props }, options)).outputs as Out;
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe("RequestTest", () => {
  it("run", async () => expect(await request({})).toMatchObject({ body: HELLO, code: 200 }));
  it("redirect: followed by default", async () => expect(await request({ uri: `${base}/redirect` })).toMatchObject({ body: HELLO, code: 200 }));
  it("noRedirect: options.followRedirects false answers the 301", async () => expect((await request({ uri: `${base}/redirect`, options: { followRedirects: false } })).code).toBe(301));
  it("allowFailed: options.allowFailed keeps a 417", async () => expect(await request({ uri: `${base}/hello417`, options: { allowFailed: true } })).toMatchObject({ body: HELLO, code: 417 }));
  it("failed: a 417 fails in Kestra's words", async () => {
    await expect(request({ uri: `${base}/hello417` })).rejects.toThrow(`Failed http request with response code '417' and body:\n${HELLO}`);
  });
  it("json", async () => expect(await request({ method: "POST", uri: `${base}/post/json`, body: '{"hello":"world"}' })).toMatchObject({ body: '{"hello":"world"}', code: 200 }));
  it("form: url-encoded, a templated header", async () => {
    const out = await request({ method: "POST", contentType: "application/x-www-form-urlencoded", uri: `${base}/post/url-encoded`, headers: { test: "{{ inputs.test }}" }, formData: { hello: "world" } }, { inputs: { test: "value" } });
    expect(out).toMatchObject({ body: "world > value", code: 200 });
  });
  it("multipart: a storage URI is a file part", async () => {
    const out = await request({ method: "POST", contentType: "multipart/form-data", uri: `${base}/post/multipart`, formData: { hello: "world", file: "ferry://test/application-test.yml" } }, { files: { "application-test.yml": "a: 1" } });
    expect(out).toMatchObject({ body: "world > a: 1 (application-test.yml)", code: 200 });
  });
  it("multipartCustomFilename: {content, name}", async () => {
    const out = await request({ method: "POST", contentType: "multipart/form-data", uri: `${base}/post/multipart`, formData: { hello: "world", file: { content: "ferry://test/application-test.yml", name: "test.yml" } } }, { files: { "application-test.yml": "a: 1" } });
    expect(out).toMatchObject({ body: "world > a: 1 (test.yml)", code: 200 });
  });
  it("basicAuth, bearerAuth (options.auth), and the deprecated basicAuthUser/basicAuthPassword", async () => {
    expect(await request({ uri: `${base}/auth/basic`, options: { auth: { type: "BASIC", username: "John", password: "p4ss" } } })).toMatchObject({ body: '{"hello":"John"}', code: 200 });
    expect(await request({ uri: `${base}/auth/basic`, options: { basicAuthUser: "Ann", basicAuthPassword: "p4ss" } })).toMatchObject({ body: '{"hello":"Ann"}' });
    expect(await request({ uri: `${base}/auth/bearer`, options: { auth: { type: "BEARER", token: "id-1" } } })).toMatchObject({ body: '{"hello":"id-1"}', code: 200 });
  });
  it("a HEAD answers no body; a file part without multipart and an unknown option are refused", async () => {
    expect(await request({ method: "HEAD" })).toMatchObject({ code: 200, body: undefined });
    await expect(request({ method: "POST", formData: { file: { content: "ferry://test/a", name: "a" } } })).rejects.toThrow(/a file part needs contentType multipart\/form-data/);
    await expect(request({ options: { sslVerify: false } })).rejects.toThrow(/sslVerify/);
  });
  it("encrypted: encryptBody is refused (not supported by Ferry yet)", async () => {
    await expect(request({ encryptBody: true })).rejects.toThrow(/not supported by Ferry yet: encryptBody/);
  });
});

describe("DownloadTest", () => {
  const download = async (path: string, props: Record<string, unknown> = {}) => runTask(downloadTask, { uri: `${base}${path}`, ...props });
  it("noResponse: exactly 'No response from server'", async () => {
    await expect(download("/204")).rejects.toThrow(/^No response from server$/);
  });
  it("allowNoResponse: failOnEmptyResponse false stores an empty file", async () => {
    const r = await download("/204", { failOnEmptyResponse: false });
    expect((r.outputs as Out).length).toBe(0);
    expect(text(r.files[(r.outputs as Out).uri])).toBe("");
  });
  it("error: a 500 fails in Kestra's words", async () => {
    await expect(download("/500")).rejects.toThrow("Failed http request with response code '500'");
  });
  it("chunked: 10000 × 12 bytes", async () => {
    const r = await download("/chunked");
    expect(r.files[(r.outputs as Out).uri].length).toBe(10000 * 12);
  });
  it("contentDisposition, contentDispositionWithPath, contentDispositionWithDoubleDot: the name's last segment", async () => {
    for (const [path, name] of [["/content-disposition", "filename.jpg"], ["/content-disposition-path", "filename.jpg"], ["/content-disposition-double-dot", "filename..jpg"]]) {
      const uri = ((await download(path)).outputs as Out).uri as string;
      expect(uri.endsWith(`/${name}`), uri).toBe(true);
      expect(uri).not.toContain("/secure-path/");
    }
  });
  it("failed: options.allowFailed keeps a 417 with its headers", async () => {
    const out = (await download("/hello417", { options: { allowFailed: true } })).outputs as Out;
    expect(out.code).toBe(417);
    expect(out.headers["content-type"]).toEqual(["application/json"]);
  });
});
