import { createServer, type Server } from "node:http";
import { OperationalError, UserError } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// by path: @ferry/testkit depends on @ferry/core, whose tests load this plugin (no package cycle)
import { runTask } from "../../../../packages/testkit/src/index.js";
import { httpConnectionType } from "./http.connection.js";
import { requestTask } from "./request.task.js";

// a real HTTP server on 127.0.0.1 answering what it received
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.url === "/missing") {
        res.writeHead(404, { "content-type": "text/plain" });
        return res.end("no such thing");
      }
      if (req.url === "/busy") {
        res.writeHead(503, { "content-type": "text/plain" });
        return res.end("try later");
      }
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
      if (req.url === "/reset") return void req.socket.destroy();
      res.writeHead(200, { "content-type": "application/json", "x-echo": "yes" });
      res.end(JSON.stringify({ method: req.method, url: req.url, contentType: req.headers["content-type"] ?? null, auth: req.headers.authorization ?? null, body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// the task as a worker runs it: properties rendered and validated, a full run context (testkit)
const run = async (props: Record<string, unknown>) => (await runTask(requestTask, props, { secrets: { API_TOKEN: "t" } })).outputs as Record<string, any>;

describe("core.http.Request", () => {
  it("sends a JSON body with headers and exposes code, headers and body", async () => {
    const out = (await run({ uri: `${base}/things?x=1`, method: "POST", body: { a: 1 }, headers: { Authorization: "Bearer {{ secret('API_TOKEN') }}" } }))!;
    expect(out.code).toBe(200);
    expect((out.headers as Record<string, string[]>)["x-echo"]).toEqual(["yes"]);
    expect(JSON.parse(out.body as string)).toEqual({ method: "POST", url: "/things?x=1", contentType: "application/json", auth: "Bearer t", body: '{"a":1}' });
  });
  it("sends a text body as application/json unless contentType says otherwise, as Kestra's contentType defaults", async () => {
    expect(JSON.parse((await run({ uri: `${base}/t`, method: "POST", body: "plain" }))!.body as string)).toMatchObject({ contentType: "application/json", body: "plain" });
    expect(JSON.parse((await run({ uri: `${base}/t`, method: "POST", body: "a,b", contentType: "text/csv" }))!.body as string)).toMatchObject({ contentType: "text/csv" });
  });
  it("sends form data", async () => {
    const out = (await run({ uri: `${base}/form`, method: "POST", formData: { k: "v w" } }))!;
    expect(JSON.parse(out.body as string)).toMatchObject({ contentType: "application/x-www-form-urlencoded", body: "k=v+w" });
  });
  // Kestra's Request @Example "Execute a Kestra flow via an HTTP POST request authenticated with basic auth" writes the
  // deprecated options.basicAuthUser/basicAuthPassword; HttpConfiguration's builder turns them into a BASIC auth
  it("sends options' basic auth (Kestra's deprecated basicAuthUser/basicAuthPassword, or auth BASIC) and bearer auth (auth BEARER)", async () => {
    const auth = async (options: Record<string, unknown>) => JSON.parse((await run({ uri: `${base}/auth`, options }))!.body as string).auth;
    expect(await auth({ basicAuthUser: "admin", basicAuthPassword: "admin" })).toBe(`Basic ${btoa("admin:admin")}`);
    expect(await auth({ auth: { type: "BASIC", username: "élodie", password: "p" } })).toBe(`Basic ${btoa(String.fromCharCode(...new TextEncoder().encode("élodie:p")))}`);
    expect(await auth({ auth: { type: "BEARER", token: "{{ secret('API_TOKEN') }}" } })).toBe("Bearer t");
    // the task's own Authorization header over the options'
    expect(JSON.parse((await run({ uri: `${base}/auth`, options: { basicAuthUser: "a" }, headers: { Authorization: "Token x" } }))!.body as string).auth).toBe("Token x");
    const refused = requestTask.properties.safeParse({ uri: base, options: { basicAuthUser: "a", auth: { type: "BEARER", token: "t" } } });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toContain("options: auth and the deprecated basicAuthUser/basicAuthPassword cannot be used together");
  });
  // Kestra's Request @Examples "Send a multipart HTTP POST request …" (a FILE input's URI, then {name, content}) and
  // AbstractHttp.request: with contentType multipart/form-data a storage URI goes as a file, {name, content} as a file
  // of that name, any other non-text as its JSON
  it("sends formData as multipart/form-data when contentType says so: storage URIs and {name, content} as files", async () => {
    const file = "ferry://test/upload/data.csv";
    const result = await runTask(requestTask, {
      uri: `${base}/upload`, method: "POST", contentType: "multipart/form-data",
      formData: { user: "John Doe", doc: file, renamed: { name: "my-file.txt", content: file }, meta: { description: "my favorite" } },
    }, { files: { [file]: "a,b\n1,2\n" } });
    const echo = JSON.parse((result.outputs as Record<string, any>).body);
    expect(echo.contentType).toMatch(/^multipart\/form-data; boundary=/);
    const parts = new Response(echo.body, { headers: { "content-type": echo.contentType } });
    const form = await parts.formData();
    expect(form.get("user")).toBe("John Doe");
    expect([(form.get("doc") as File).name, await (form.get("doc") as File).text()]).toEqual(["data.csv", "a,b\n1,2\n"]);
    expect([(form.get("renamed") as File).name, await (form.get("renamed") as File).text()]).toEqual(["my-file.txt", "a,b\n1,2\n"]);
    expect(form.get("meta")).toBe('{"description":"my favorite"}');
    // without multipart, objects have no urlencoded form: refused naming the key
    await expect(run({ uri: `${base}/form`, method: "POST", formData: { meta: { a: 1 } } })).rejects.toThrow(/formData\.meta: a file part needs contentType multipart\/form-data/);
  });
  it("fails on HTTP errors unless allowFailed", async () => {
    await expect(run({ uri: `${base}/missing` })).rejects.toThrow("Failed http request with response code '404' and body:\nno such thing");
    expect((await run({ uri: `${base}/missing`, allowFailed: true }))!.code).toBe(404);
  });
  it("fails with typed errors: the server's trouble, a reset or a read timeout is transient (OperationalError), a client error the request's (UserError)", async () => {
    // a port nothing listens on (fetch refuses to try port 1 at all: a "bad port")
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const nobody = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const failure = (props: Record<string, unknown>) => run(props).then(() => undefined, (error: unknown) => error as Error);
    const cases: Array<[Record<string, unknown>, typeof UserError | typeof OperationalError, RegExp]> = [
      [{ uri: `${base}/missing` }, UserError, /^Failed http request with response code '404' and body:\nno such thing$/],
      [{ uri: `${base}/busy`, method: "POST" }, OperationalError, /^Failed http request with response code '503' and body:\ntry later$/],
      [{ uri: `${base}/reset` }, OperationalError, /^GET .*\/reset failed: other side closed$/],
      [{ uri: `${base}/slow`, options: { readTimeout: "PT0.2S" } }, OperationalError, /^GET .*\/slow: no answer within options.readTimeout$/],
      // Kestra's HttpConfiguration: timeout.{connectTimeout, readIdleTimeout}, and the deprecated connectTimeout its builder maps onto timeout
      [{ uri: `${base}/slow`, options: { timeout: { readIdleTimeout: "PT0.2S" } } }, OperationalError, /^GET .*\/slow: no answer within options.timeout.readIdleTimeout$/],
      [{ uri: `${base}/slow`, options: { connectTimeout: "PT0.2S" } }, OperationalError, /^GET .*\/slow: no answer within options.connectTimeout$/],
      [{ uri: `${base}/slow`, options: { timeout: { connectTimeout: "PT0.2S" } } }, OperationalError, /^GET .*\/slow: no answer within options.timeout.connectTimeout$/],
      [{ uri: `http://127.0.0.1:${nobody}/refused` }, OperationalError, new RegExp(`^GET http://127\\.0\\.0\\.1:${nobody}/refused failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${nobody}$`)],
      [{ uri: "ftp://127.0.0.1/file" }, UserError, /^GET ftp:\/\/127\.0\.0\.1\/file failed: unknown scheme$/],
    ];
    for (const [props, kind, message] of cases) {
      const error = await failure(props);
      expect(error, JSON.stringify(props)).toBeInstanceOf(kind);
      expect(error?.message).toMatch(message);
    }
  });

  // Kestra's Request @Example "Make an HTTP GET request with a timeout" writes options connectTimeout, readTimeout,
  // connectionPoolIdleTimeout and readIdleTimeout; the last two (and maxContentLength) Kestra keeps deprecated and never reads
  it("runs Kestra's timeout example's options: a connectTimeout met, the deprecated options Kestra ignores named in a warning", async () => {
    const result = await runTask(requestTask, {
      uri: `${base}/things`,
      options: { connectTimeout: "PT1M", readTimeout: "PT30S", connectionPoolIdleTimeout: "PT10S", readIdleTimeout: "PT10M", maxContentLength: 1024 },
    });
    expect((result.outputs as Record<string, any>).code).toBe(200);
    const warnings = result.logs.filter((l) => l.level === "WARN").map((l) => l.message);
    expect(warnings).toEqual([
      "options.readIdleTimeout has no effect: Kestra deprecated it without an equivalent and ignores it too",
      "options.connectionPoolIdleTimeout has no effect: Kestra deprecated it without an equivalent and ignores it too",
      "options.maxContentLength has no effect: Kestra deprecated it without an equivalent and ignores it too",
    ]);
  });

  it("rejects a property that is not a URL, unless a connection makes it a path", () => {
    expect(requestTask.properties.safeParse({ uri: "not a url" }).success).toBe(false);
    expect(requestTask.properties.safeParse({ uri: "/path" }).error?.issues[0]?.message).toBe("Invalid URL (a path needs a connection)");
    expect(requestTask.properties.safeParse({ uri: "/path", connection: "api" }).success).toBe(true);
  });

  it("on an http connection: joins a path to its url, sends its bearer or basic auth from secrets and its headers, the task's headers over them", async () => {
    const options = {
      secrets: { API_TOKEN: "tok-77", API_PASSWORD: "pw-88" },
      connectionTypes: [httpConnectionType],
      connections: {
        bearer: { type: "http", values: { url: `${base}/v1/`, bearerToken: "{{ secret('API_TOKEN') }}", headers: { "x-team": "data" } } },
        basic: { type: "http", values: { url: `${base}/v1`, username: "ada", password: "{{ secret('API_PASSWORD') }}" } },
      },
    };
    const echo = async (props: Record<string, unknown>) => JSON.parse(((await runTask(requestTask, props, options)).outputs as Record<string, string>).body!);
    expect(await echo({ connection: "bearer", uri: "/things" })).toMatchObject({ url: "/v1/things", auth: "Bearer tok-77" });
    expect(await echo({ connection: "basic", uri: "things?x=1" })).toMatchObject({ url: "/v1/things?x=1", auth: `Basic ${btoa("ada:pw-88")}` });
    expect(await echo({ connection: "bearer", uri: `${base}/v1/whole` })).toMatchObject({ url: "/v1/whole", auth: "Bearer tok-77" });
    expect(await echo({ connection: "bearer", uri: "/x", headers: { authorization: "Bearer mine" } })).toMatchObject({ auth: "Bearer mine" });
    // the connection's credentials never go to another host or path
    await expect(runTask(requestTask, { connection: "bearer", uri: "http://elsewhere.invalid/x" }, options)).rejects.toThrow(`uri http://elsewhere.invalid/x is not under the connection's url ${base}/v1/: its credentials go only there`);
    await expect(runTask(requestTask, { connection: "bearer", uri: `${base}/v10/x` }, options)).rejects.toThrow("is not under the connection's url");
  });

  it("an http connection's values: a URL, bearer or basic auth (not both), a password only with a username", () => {
    const check = (values: Record<string, unknown>) => httpConnectionType.schema.safeParse(values).error?.issues[0]?.message;
    expect(check({ url: base, bearerToken: "t" })).toBeUndefined();
    expect(check({ url: "nope" })).toBe("Invalid URL");
    expect(check({ url: base, bearerToken: "t", username: "u" })).toBe("give bearerToken or username/password, not both");
    expect(check({ url: base, password: "p" })).toBe("password needs a username");
    expect(httpConnectionType.secretFields).toEqual(["bearerToken", "password"]);
  });
});
