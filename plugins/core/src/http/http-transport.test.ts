// Kestra's HttpConfiguration honoured by Request, Download and SseRequest, against real local servers: an HTTPS server with a
// self-signed certificate (RequestTest.selfSigned / selfSignedFailed), an HTTP forward proxy (absolute-form and CONNECT), a
// SOCKS5 proxy, and a plain server for allowedResponseCodes, logs and defaultCharset (HttpClient, the logging interceptors,
// AbstractHttp's StringRequestBody).
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { downloadTask } from "./download.task.js";
import { httpOptionsSchema } from "./http-options.js";
import { requestTask } from "./request.task.js";
import { sseRequestTask } from "./sse-request.task.js";

const fixture = (name: string) => readFileSync(new URL(`./test-fixtures/${name}`, import.meta.url));
const servers: Array<Server | TcpServer> = [];
const listen = async <S extends Server | TcpServer>(server: S): Promise<number> => {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return (server.address() as { port: number }).port;
};
afterAll(() => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))));

/** what a server saw of each request: method, url, the headers asked for, the body's bytes */
type Seen = { method?: string; url?: string; headers: IncomingMessage["headers"]; body: Buffer };
const answering = (seen: Seen[], answer: (req: IncomingMessage, body: Buffer) => { status?: number; body: string; headers?: Record<string, string> }) =>
  (req: IncomingMessage, res: import("node:http").ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const a = answer(req, body);
      res.writeHead(a.status ?? 200, a.headers).end(a.body);
    });
  };

let secure: string;
let plain: string;
const plainSeen: Seen[] = [];
let httpProxy: string;
const proxySeen: string[] = [];
let socksPort: number;
const socksSeen: string[] = [];

beforeAll(async () => {
  const tls = createHttpsServer({ key: fixture("self-signed.key.pem"), cert: fixture("self-signed.cert.pem") }, (req, res) => {
    if (req.url === "/events") return res.writeHead(200, { "content-type": "text/event-stream" }).end('data: {"n":1}\n\n');
    res.writeHead(200).end(`secure ${req.url}`);
  });
  secure = `https://127.0.0.1:${await listen(tls)}`;
  const plainServer = createServer(
    answering(plainSeen, (req) => {
      const status = Number(/^\/status\/(\d+)/.exec(req.url ?? "")?.[1] ?? 200);
      return { status, body: `plain ${req.url}`, headers: { "x-answer": "yes", "set-cookie": "session=s3cr3t" } };
    }),
  );
  plain = `http://127.0.0.1:${await listen(plainServer)}`;

  // a forward proxy: absolute-form requests relayed, CONNECT tunnelled; both need Proxy-Authorization u:p when a path says so
  const proxy = createServer((req, res) => {
    proxySeen.push(`${req.method} ${req.url} ${req.headers["proxy-authorization"] ?? "-"}`);
    const target = new URL(req.url!);
    const upstream = connect(Number(target.port), target.hostname, () => {
      upstream.write(`${req.method} ${target.pathname}${target.search} HTTP/1.0\r\nhost: ${target.host}\r\n\r\n`);
    });
    let answer = "";
    upstream.on("data", (d: Buffer) => (answer += d.toString()));
    upstream.on("end", () => {
      const [head, ...rest] = answer.split("\r\n\r\n");
      res.writeHead(Number(head.split(" ")[1]), { "x-via": "proxy" }).end(rest.join("\r\n\r\n"));
    });
  });
  proxy.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    proxySeen.push(`CONNECT ${req.url} ${req.headers["proxy-authorization"] ?? "-"}`);
    const [host, port] = req.url!.split(":");
    const upstream = connect(Number(port), host, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
  });
  httpProxy = `127.0.0.1:${await listen(proxy)}`;

  // a SOCKS5 proxy (RFC 1928), no authentication, CONNECT to an IPv4 address or a domain
  const socks = createTcpServer((client) => {
    client.once("data", () => {
      client.write(Buffer.from([5, 0]));
      client.once("data", (request: Buffer) => {
        const type = request[3];
        const host = type === 1 ? [...request.subarray(4, 8)].join(".") : request.subarray(5, 5 + request[4]).toString();
        const port = request.readUInt16BE(request.length - 2);
        socksSeen.push(`${host}:${port}`);
        const upstream = connect(port, host, () => {
          client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          upstream.pipe(client).pipe(upstream);
        });
      });
    });
  });
  socksPort = await listen(socks);
});

type Out = Record<string, any>;
const request = async (props: Record<string, unknown>) => (await runTask(requestTask, props)).outputs as Out;

describe("options.ssl (RequestTest.selfSigned, selfSignedFailed)", () => {
  it("a self-signed server fails the request by default, and answers with insecureTrustAllCertificates", async () => {
    await expect(request({ uri: `${secure}/hello` })).rejects.toThrow(/self.signed certificate/);
    expect(await request({ uri: `${secure}/hello`, options: { ssl: { insecureTrustAllCertificates: true } } })).toMatchObject({ code: 200, body: "secure /hello" });
    // false is what it says: the certificate is checked
    await expect(request({ uri: `${secure}/hello`, options: { ssl: { insecureTrustAllCertificates: false } } })).rejects.toThrow(/self.signed certificate/);
  });
  it("Download and SseRequest take it too", async () => {
    const download = await runTask(downloadTask, { uri: `${secure}/file`, options: { ssl: { insecureTrustAllCertificates: "true" } } });
    expect(download.outputs).toMatchObject({ code: 200, length: "secure /file".length });
    const sse = await runTask(sseRequestTask, { uri: `${secure}/events`, options: { ssl: { insecureTrustAllCertificates: true } } });
    expect(sse.outputs).toMatchObject({ size: 1 });
  });
});

describe("options.proxy (HttpClient's ProxySelector and proxy credentials)", () => {
  it("an HTTP proxy relays a plain request in absolute form, with Basic proxy credentials", async () => {
    proxySeen.length = 0;
    const [host, p] = httpProxy.split(":");
    const out = await request({ uri: `${plain}/through?x=1`, options: { proxy: { type: "HTTP", address: host, port: Number(p), username: "u", password: "p" } } });
    expect(out).toMatchObject({ code: 200, body: "plain /through?x=1" });
    expect(out.headers["x-via"]).toEqual(["proxy"]);
    expect(proxySeen).toEqual([`GET ${plain}/through?x=1 Basic ${Buffer.from("u:p").toString("base64")}`]);
  });
  it("an https target goes through CONNECT; the deprecated proxyType/proxyAddress/proxyPort say the same", async () => {
    proxySeen.length = 0;
    const [host, p] = httpProxy.split(":");
    const out = await request({ uri: `${secure}/tunnel`, options: { proxyType: "HTTP", proxyAddress: host, proxyPort: p, ssl: { insecureTrustAllCertificates: true } } });
    expect(out).toMatchObject({ code: 200, body: "secure /tunnel" });
    expect(proxySeen).toEqual([`CONNECT ${new URL(secure).host} -`]);
  });
  it("a SOCKS proxy carries the connection", async () => {
    socksSeen.length = 0;
    const out = await request({ uri: `${plain}/socks`, options: { proxy: { type: "SOCKS", address: "127.0.0.1", port: socksPort } } });
    expect(out).toMatchObject({ code: 200, body: "plain /socks" });
    expect(socksSeen).toEqual([new URL(plain).host]);
  });
  it("an address with the default type DIRECT, or without a port, deploys and fails the request saying why (java.net.Proxy refuses it when the client is built)", async () => {
    expect(httpOptionsSchema.safeParse({ proxy: { address: "proxy.local", port: 3128 } }).success).toBe(true);
    expect(httpOptionsSchema.safeParse({ proxy: { type: "HTTP", address: "proxy.local" } }).success).toBe(true);
    await expect(request({ uri: `${plain}/x`, options: { proxy: { address: "proxy.local", port: 3128 } } })).rejects.toThrow(/options\.proxy: a proxy address needs type HTTP or SOCKS/);
    await expect(request({ uri: `${plain}/x`, options: { proxy: { type: "HTTP", address: "{{ 'proxy.local' }}" } } })).rejects.toThrow(/options\.proxy: a proxy address needs its port/);
    // no address: no proxy, as HttpClient
    expect(await request({ uri: `${plain}/direct`, options: { proxy: { type: "HTTP" } } })).toMatchObject({ code: 200 });
  });
});

describe("options.allowedResponseCodes (HttpClient.isAllowedStatusCode)", () => {
  it("only the listed codes pass, a 2xx not listed fails, and they win over allowFailed", async () => {
    expect(await request({ uri: `${plain}/status/404`, options: { allowedResponseCodes: [200, 404] } })).toMatchObject({ code: 404 });
    await expect(request({ uri: `${plain}/status/200`, options: { allowedResponseCodes: [201] } })).rejects.toThrow(/Failed http request with response code '200'/);
    await expect(request({ uri: `${plain}/status/500`, options: { allowedResponseCodes: [404], allowFailed: true } })).rejects.toThrow(/response code '500'/);
    const download = await runTask(downloadTask, { uri: `${plain}/status/404`, options: { allowedResponseCodes: [404] } });
    expect(download.outputs).toMatchObject({ code: 404 });
  });
});

describe("options.logs and the deprecated logLevel (LoggingRequestInterceptor, LoggingResponseInterceptor)", () => {
  it("headers at DEBUG, bodies at TRACE, in Kestra's words; credentials and cookies masked", async () => {
    const { logs } = await runTask(requestTask, {
      uri: `${plain}/logged`, method: "POST", body: "ping", headers: { "x-asked": "1" },
      options: { logs: ["REQUEST_HEADERS", "REQUEST_BODY", "RESPONSE_HEADERS", "RESPONSE_BODY"], auth: { type: "BEARER", token: "t0ken" } },
    });
    const lines = logs.map((l) => `${l.level} ${l.message}`);
    expect(lines).toContain(`DEBUG request:\n    method: POST\n    uri: ${plain}/logged`);
    expect(lines.find((l) => l.startsWith("DEBUG request headers:"))).toMatch(/x-asked: 1/);
    expect(lines.find((l) => l.startsWith("DEBUG request headers:"))).toMatch(/authorization: \*{6}/);
    expect(lines).toContain("TRACE request payload:\n    ping");
    expect(lines).toContain("DEBUG response:\n    reason: OK");
    expect(lines.find((l) => l.startsWith("DEBUG response headers:"))).toMatch(/x-answer: yes/);
    expect(lines.find((l) => l.startsWith("DEBUG response headers:"))).toMatch(/set-cookie: \*{6}/);
    expect(lines).toContain("TRACE response payload:\n    plain /logged");
    expect(lines.join("\n")).not.toMatch(/t0ken|s3cr3t/);
  });
  it("logLevel DEBUG logs the headers only; no option logs nothing of the exchange", async () => {
    const debug = (await runTask(requestTask, { uri: `${plain}/lvl`, options: { logLevel: "DEBUG" } })).logs.map((l) => l.message);
    expect(debug.some((m) => m.startsWith("request headers:"))).toBe(true);
    expect(debug.some((m) => m.startsWith("response payload"))).toBe(false);
    const none = (await runTask(requestTask, { uri: `${plain}/none` })).logs.map((l) => l.message);
    expect(none.some((m) => /^(request|response)( headers| payload)?:/.test(m))).toBe(false);
  });
});

describe("options.defaultCharset (AbstractHttp's StringRequestBody)", () => {
  it("encodes a text body in that charset and names it in the content type; one it cannot encode in fails the request", async () => {
    plainSeen.length = 0;
    await request({ uri: `${plain}/latin`, method: "POST", body: "é", contentType: "text/plain", options: { defaultCharset: "ISO-8859-1" } });
    expect([...plainSeen[0].body]).toEqual([0xe9]);
    expect(plainSeen[0].headers["content-type"]).toBe("text/plain; charset=ISO-8859-1");
    plainSeen.length = 0;
    await request({ uri: `${plain}/utf8`, method: "POST", body: "é", contentType: "text/plain" });
    expect([...plainSeen[0].body]).toEqual([0xc3, 0xa9]);
    expect(plainSeen[0].headers["content-type"]).toBe("text/plain");
    // any name deploys (Kestra renders the charset when it sends); one Ferry cannot encode in fails the request, naming it
    expect(httpOptionsSchema.safeParse({ defaultCharset: "windows-1252" }).success).toBe(true);
    await expect(request({ uri: `${plain}/x`, method: "POST", body: "é", options: { defaultCharset: "windows-1252" } })).rejects.toThrow(/options\.defaultCharset: 'windows-1252' is not a charset Ferry encodes a body in \(UTF-8, ISO-8859-1/);
  });
});
