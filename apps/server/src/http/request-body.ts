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
/** a body of a size given up front: the one kind read from the message */
const sized = (c: Context) => c.req.header("content-length") !== undefined && c.req.header("transfer-encoding") === undefined;

/** 413 (`tooLarge`) over `maxSize` bytes: from Content-Length when it is given, else as Hono's bodyLimit counts a chunked body */
export function limitBody(maxSize: number, tooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const counted = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    if (sized(c)) return Number.parseInt(c.req.header("content-length")!, 10) > maxSize ? tooLarge(c) : next();
    // neither a length nor chunks: no body to limit
    if (c.req.header("transfer-encoding") === undefined) return next();
    return counted(c, next);
  };
}

/** the request's body bytes: from Node's message when its size was given (see limitBody), else through the Request */
export async function requestBody(c: Context): Promise<Uint8Array> {
  const incoming = incomingOf(c);
  if (!sized(c)) return c.req.header("transfer-encoding") === undefined ? new Uint8Array(0) : new Uint8Array(await c.req.arrayBuffer());
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
