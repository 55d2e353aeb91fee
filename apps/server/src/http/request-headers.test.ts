import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyHeader, headerLists } from "./request-body.js";

/* Request headers read from Node's message answer what the adapter's undici Headers answer: each raw request sent over a socket is compared. */
let server: ServerType;
let port: number;

beforeAll(async () => {
  const app = new Hono();
  app.all("/h", (c) => {
    const fromMessage = { lists: headerLists(c), length: bodyHeader(c, "content-length") ?? null, encoding: bodyHeader(c, "transfer-encoding") ?? null };
    // what the Headers Hono's adapter builds give, read after: reading them first would not change the above
    const lists: Record<string, string[]> = {};
    c.req.raw.headers.forEach((value, name) => (lists[name] ??= []).push(value));
    const fromHeaders = { lists, length: c.req.header("content-length") ?? null, encoding: c.req.header("transfer-encoding") ?? null };
    return c.json({ fromMessage, fromHeaders });
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      port = info.port;
      resolve();
    });
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** one raw HTTP/1.1 request (head and body as given), the JSON answer */
function send(head: string, body = ""): Promise<{ fromMessage: unknown; fromHeaders: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(`${head}\r\nConnection: close\r\n\r\n${body}`));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => (text += chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const payload = text.slice(text.indexOf("\r\n\r\n") + 4);
      try {
        resolve(JSON.parse(payload));
      } catch (error) {
        reject(new Error(`no JSON answer: ${text}`, { cause: error }));
      }
    });
  });
}

describe("request headers from Node's message", () => {
  it("as Headers iterate them: lower-case names sorted, a repeated header joined by ', ', Set-Cookie's values apart, values trimmed", async () => {
    const answer = await send(
      ["POST /h HTTP/1.1", "Host: 127.0.0.1", "X-Zeta: last", "X-Multi: one", "x-multi: two ", "Set-Cookie: a=1", "set-cookie: b=2", "Accept:  text/plain", "Content-Type: application/json", "Content-Length: 2"].join("\r\n"),
      "{}",
    );
    expect(answer.fromMessage).toEqual(answer.fromHeaders);
    expect(Object.keys((answer.fromMessage as { lists: object }).lists)).toEqual(["accept", "connection", "content-length", "content-type", "host", "set-cookie", "x-multi", "x-zeta"]);
    expect((answer.fromMessage as { lists: Record<string, string[]> }).lists["x-multi"]).toEqual(["one, two"]);
    expect((answer.fromMessage as { lists: Record<string, string[]> }).lists["set-cookie"]).toEqual(["a=1", "b=2"]);
  });

  it("Content-Length and Transfer-Encoding as Headers.get answers them: chunked, none, repeated encodings", async () => {
    const chunked = await send(["POST /h HTTP/1.1", "Host: h", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked"].join("\r\n"), "2\r\n{}\r\n0\r\n\r\n");
    expect(chunked.fromMessage).toEqual(chunked.fromHeaders);
    expect((chunked.fromMessage as { encoding: string }).encoding).toBe("gzip, chunked");
    const none = await send(["GET /h HTTP/1.1", "Host: h"].join("\r\n"));
    expect(none.fromMessage).toEqual(none.fromHeaders);
    expect((none.fromMessage as { length: null }).length).toBeNull();
  });
});
