import { createServer } from "node:net";
import { ExpressionError } from "./expression.error.js";
import { parseJson } from "./data-filters.js";
import type { Builtin } from "./filters.js";
import type { RenderBudget } from "./render-limits.js";
import { preview } from "./values.js";
import { toYamlText } from "./yaml-text.js";

/*
 * Functions that reach the network: http() (Kestra's HttpFunction: a request whose response
 * body is the value, JSON parsed) and randomPort() (a port free right now, as Kestra's
 * RandomPortFunction finds one). http() waits no longer than the render has left, and reads no
 * more of a response than a rendered string may hold.
 */

const arg = (args: unknown[], named: Record<string, unknown>, i: number, name: string) => (name in named ? named[name] : args[i]);
const HTTP_ARGUMENTS = ["uri", "method", "query", "body", "contentType", "headers", "options", "accept"];

function requestBody(body: unknown, contentType: string): string {
  if (typeof body === "string") return body;
  if (/yaml/i.test(contentType)) return toYamlText(body);
  if (/json/i.test(contentType)) return JSON.stringify(body);
  throw new ExpressionError(`http(): a ${contentType} body must be text, got '${preview(body)}'`);
}

/** the response read within maxOutputLength, refused as soon as it is longer */
async function readBody(response: Response, b: RenderBudget): Promise<string> {
  const max = b.limits.maxOutputLength;
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > max) throw new ExpressionError(`http(): the response is ${declared} bytes, more than render.maxOutputLength (${max})`);
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > max) {
      await reader.cancel();
      throw new ExpressionError(`http(): the response is longer than render.maxOutputLength (${max})`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  b.chars(text.length, "http()");
  return text;
}

const http: Builtin = async (args, named, b) => {
  for (const key of Object.keys(named)) if (!HTTP_ARGUMENTS.includes(key)) throw new ExpressionError(`http() has no argument '${key}' (${HTTP_ARGUMENTS.join(", ")})`);
  const uri = arg(args, named, 0, "uri");
  if (uri === undefined || uri === null) throw new ExpressionError("The 'http' function expects an argument 'uri'.");
  const options = named.options;
  if (options !== undefined && options !== null && (typeof options !== "object" || Object.keys(options).length > 0)) {
    throw new ExpressionError("http(): 'options' (timeouts, authentication, proxy of Kestra's HTTP client) is not supported by Ferry yet");
  }
  let url: URL;
  try {
    url = new URL(String(uri));
  } catch (error) {
    throw new ExpressionError(`http(): '${preview(uri)}' is not a URI`, { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ExpressionError(`http(): only http and https URIs can be requested, not '${url.protocol}'`);
  const query = named.query as Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(query ?? {})) for (const value of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(value));
  const method = String(named.method ?? "GET").toUpperCase();
  const contentType = String(named.contentType ?? "application/json");
  const headers = new Headers();
  for (const [k, v] of Object.entries((named.headers as Record<string, unknown> | undefined) ?? {})) {
    if (k.toLowerCase() === "content-type") continue;
    for (const value of Array.isArray(v) ? v : [v]) headers.append(k, String(value));
  }
  headers.set("Accept", String(named.accept ?? "application/json"));
  let body: string | undefined;
  if ("body" in named) {
    body = requestBody(named.body, contentType);
    headers.set("Content-Type", contentType);
  }
  const signal = AbortSignal.timeout(Math.max(1, b.remainingMs()));
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, signal });
  } catch (error) {
    if (signal.aborted) b.exceeded("timeoutMs", `http() of '${url.href}' was still waiting`);
    throw new ExpressionError(`Failed to execute HTTP request to ${url.href}: ${(error as Error).message}`, { cause: error });
  }
  const text = await readBody(response, b);
  if (!response.ok) throw new ExpressionError(`Failed to execute HTTP Request, server respond with status ${response.status} : ${response.statusText}`);
  // the body as Kestra's client decodes it: JSON into values, anything else as text
  if (/json/i.test(response.headers.get("content-type") ?? "") && text.trim() !== "") return parseJson(text, b, `http() of ${url.href}`);
  return text;
};

const randomPort: Builtin = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new ExpressionError("randomPort(): no port was given"))));
    });
  });

export const NETWORK_FUNCTIONS: Record<string, Builtin> = { http, randomPort };
