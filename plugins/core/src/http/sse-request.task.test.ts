import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// by path: @ferry/testkit depends on @ferry/core, whose tests load this plugin (no package cycle)
import { runTask } from "../../../../packages/testkit/src/index.js";
import { sseRequestTask } from "./sse-request.task.js";

// a real SSE endpoint on 127.0.0.1: a few events in the wire format, then the end of the stream
let server: Server;
let base: string;
let seen: { accept?: string; authorization?: string } = {};
beforeAll(async () => {
  server = createServer((req, res) => {
    seen = { accept: req.headers.accept, authorization: req.headers.authorization };
    res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "text/event-stream" });
    if (req.url === "/missing") return res.end("no stream here");
    const chunks = [
      ": a comment line\n\n",
      'id: 1\nevent: greeting\ndata: {"message": "Hel", "data": {"value": 1}}\n\n',
      'id: 2\ndata: {"message": "lo",\ndata:  "data": {"value": 2}}\n\n',
      // a CRLF split across two writes is one line end
      "retry: 1500\r",
      "\ndata: plain text\r\n\r\n",
    ];
    let i = 0;
    const next = () => (i < chunks.length ? res.write(chunks[i++], () => setTimeout(next, 5)) : res.end());
    next();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const run = async (props: Record<string, unknown>) => (await runTask(sseRequestTask, props, { secrets: { API_TOKEN: "t" } })).outputs as Record<string, any>;

// Kestra's io.kestra.plugin.core.http.SseRequest and its @Examples (consume events; extract a field with concatJqExpression;
// an Authorization header from a secret); HttpSseEvent's fields data, id, name, comment, retry
describe("core.http.SseRequest", () => {
  it("reads every event until the stream ends: data as JSON when it parses, id, name, comment, retry", async () => {
    const out = await run({ uri: `${base}/events` });
    expect(seen.accept).toBe("text/event-stream");
    expect(out.size).toBe(4);
    expect(out.result).toBeUndefined();
    expect(out.events).toEqual([
      { comment: "a comment line" },
      { data: { message: "Hel", data: { value: 1 } }, id: "1", name: "greeting" },
      { data: { message: "lo", data: { value: 2 } }, id: "2" },
      { data: "plain text", retry: "PT1.5S" },
    ]);
  });

  it("joins what concatJqExpression gives for each event into result; an event it finds nothing in fails the task unless failedOnMissingJq is false", async () => {
    const out = await run({ uri: `${base}/stream`, concatJqExpression: ".data.message? // empty", headers: { Authorization: "Bearer {{ secret('API_TOKEN') }}" } });
    expect(seen.authorization).toBe("Bearer t");
    expect(out).toMatchObject({ size: 4, result: "Hello" });
    expect(out.events).toBeUndefined();
    expect((await run({ uri: `${base}/stream`, concatJqExpression: ".data.data.value?", failedOnMissingJq: false })).result).toBe("12");
    await expect(run({ uri: `${base}/stream`, concatJqExpression: ".data.data.value" })).rejects.toThrow(/Failed to resolve JQ expression '\.data\.data\.value' and value '\{"comment":"a comment line"\}'/);
  });

  it("fails on an HTTP error status unless options.allowFailed", async () => {
    await expect(run({ uri: `${base}/missing` })).rejects.toThrow("Failed http request with response code '404' and body:\nno stream here");
    expect((await run({ uri: `${base}/missing`, options: { allowFailed: true } })).size).toBe(0);
  });
});
