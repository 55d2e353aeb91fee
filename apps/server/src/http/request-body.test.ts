import { request as httpRequest, Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

/* A webhook's body read from Node's message (Content-Length) or through Hono's Request (chunked): the same bytes, the same limit, the connection kept. */
let t: TestFerry;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  t = await startTestFerry({ server: { port: 0, maxBodySize: 1024 } });
  await t.deploy(`id: echo
namespace: hooks.body
tasks:
  - { id: out, type: core.OutputValues, values: { name: "{{ trigger.body.name ?? 'none' }}" } }
outputs:
  - { id: name, type: STRING, value: "{{ outputs.out.values.name }}" }
triggers:
  - { id: hook, type: core.trigger.Webhook, key: k, wait: true, returnOutputs: true }
`);
});
afterAll(async () => {
  agent.destroy();
  await t.close();
});

/** one call on the keep-alive agent's single socket: with a Content-Length, or chunked (`chunks`) */
function call(body: string, chunks = false): Promise<{ status: number; connection?: string; body: string; socket: unknown }> {
  const url = new URL(t.ferry.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: "/api/v1/executions/webhook/hooks.body/echo/k", method: "POST", agent, headers: { "content-type": "application/json", ...(chunks ? {} : { "content-length": Buffer.byteLength(body) }) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text, socket: req.socket }));
      },
    );
    req.on("error", reject);
    if (chunks) {
      // two writes before end: Node sends them as chunks, with no Content-Length
      req.write(body.slice(0, 5));
      req.end(body.slice(5));
    } else req.end(body);
  });
}

describe("webhook request bodies", () => {
  it("a body with a Content-Length is read whole, and the connection is kept for the next call", async () => {
    const first = await call(JSON.stringify({ name: "sized" }));
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ name: "sized" });
    // read from the message, it still counts as read: no "Connection: close" as for an unread body
    expect(first.connection).not.toBe("close");
    const second = await call(JSON.stringify({ name: "again" }));
    expect(JSON.parse(second.body)).toEqual({ name: "again" });
    expect(second.socket).toBe(first.socket);
  });

  it("a chunked body (no Content-Length) is read through Hono's Request, and limited as it is counted", async () => {
    const chunked = await call(JSON.stringify({ name: "chunked" }), true);
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toEqual({ name: "chunked" });
    const over = await call(JSON.stringify({ name: "x".repeat(2048) }), true);
    expect(over.status).toBe(413);
    expect(over.connection).toBe("close");
  });

  it("a Content-Length over the limit is 413 without the body being read", async () => {
    const over = await call(JSON.stringify({ name: "x".repeat(2048) }));
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body).message).toBe("request body over 1024 bytes");
    expect(over.connection).toBe("close");
  });
});
