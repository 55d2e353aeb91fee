import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { IncomingMessage } from "node:http";

/**
 * A request body read without the web Request Hono's Node adapter otherwise makes for it.
 *
 * The adapter hands Hono a light request holding Node's IncomingMessage, and builds an undici
 * Request (headers copied, an AbortController, the body as a web stream over the message) the
 * first time anything reads `body`, `bodyUsed` or a body method. Hono's bodyLimit read `body` on
 * every /api request, and the webhook read its bytes through that stream: the Request and its
 * stream were ~5 % of local mode's busy time at full speed (benchmark01's profile). A body
 * announced by Content-Length is limited from that header alone and read from the message
 * itself; a chunked one (no length to check) still goes through Hono's bodyLimit and Request.
 */

/** the bodies read here, by message: the Request never made says nothing of them */
const readDirectly = new WeakMap<IncomingMessage, Promise<Uint8Array>>();

const incomingOf = (c: Context): IncomingMessage | undefined => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;

/**
 * Content-Length or Transfer-Encoding as `c.req.header` answers it, read from Node's message:
 * `c.req.header` makes the adapter's undici Headers from every raw header (~1.5 % of local
 * mode's busy time in benchmark01). For these two Node's answer is the same: its parser refuses
 * a repeated Content-Length, and joins repeated Transfer-Encodings with ", " as Headers does.
 */
export function bodyHeader(c: Context, name: "content-length" | "transfer-encoding"): string | undefined {
  const incoming = incomingOf(c);
  return incoming ? incoming.headers[name] : c.req.header(name);
}

/**
 * Every request header as Kestra's `trigger.headers` holds them: lower-case names in order,
 * each with its values — what iterating the request's Headers gives (a repeated header joined
 * by ", ", Set-Cookie's values kept apart), made from Node's raw headers without building them.
 */
export function headerLists(c: Context): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  const incoming = incomingOf(c);
  if (!incoming) {
    c.req.raw.headers.forEach((value, name) => (lists[name] ??= []).push(value));
    return lists;
  }
  const byName = new Map<string, string[]>();
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    // HTTP/2's pseudo-headers (":path"…), which the adapter leaves out of Headers too
    if (name.charCodeAt(0) === 58) continue;
    const values = byName.get(name);
    if (values) values.push(raw[i + 1]);
    else byName.set(name, [raw[i + 1]]);
  }
  for (const name of [...byName.keys()].sort()) {
    const values = byName.get(name)!;
    lists[name] = name === "set-cookie" ? values : [values.join(", ")];
  }
  return lists;
}

/** a body of a size given up front: the one kind read from the message */
const sized = (c: Context) => bodyHeader(c, "content-length") !== undefined && bodyHeader(c, "transfer-encoding") === undefined;

/** 413 (`tooLarge`) over `maxSize` bytes: from Content-Length when it is given, else as Hono's bodyLimit counts a chunked body */
export function limitBody(maxSize: number, tooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    if (sized(c)) return Number.parseInt(bodyHeader(c, "content-length")!, 10) > maxSize ? tooLarge(c) : next();
    // neither a length nor chunks: no body to limit
    if (bodyHeader(c, "transfer-encoding") === undefined) return next();
    return counted(c, next);
  };
}

/** the request's body bytes: from Node's message when its size was given (see limitBody), else through the Request */
export async function requestBody(c: Context): Promise<Uint8Array> {
  const incoming = incomingOf(c);
  if (!sized(c)) return bodyHeader(c, "transfer-encoding") === undefined ? new Uint8Array(0) : new Uint8Array(await c.req.arrayBuffer());
  if (!incoming) return new Uint8Array(await c.req.arrayBuffer());
  let read = readDirectly.get(incoming);
  if (!read) {
    read = new Promise<Uint8Array>((resolve, reject) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.once("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      incoming.once("error", reject);
    });
    readDirectly.set(incoming, read);
  }
  return read;
}

/** whether the request's body was read, here or through its Request (only then is the latter made) */
export function bodyRead(c: Context): boolean {
  const incoming = incomingOf(c);
  return (incoming !== undefined && readDirectly.has(incoming)) || c.req.raw.bodyUsed;
}
