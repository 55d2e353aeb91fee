import { UserError } from "@ferry/sdk/basics";
import { AuthRefusedError, UnreachableError, UsageError } from "../exit-codes.js";
import type { ServerTarget } from "./server-target.js";

const DEFAULT_TIMEOUT_S = 30;

/** `FERRY_REQUEST_TIMEOUT` (seconds): how long a request may wait for the server's answer */
function requestTimeoutMs(env: Record<string, string | undefined>): number {
  const raw = env.FERRY_REQUEST_TIMEOUT;
  if (raw === undefined || raw === "") return DEFAULT_TIMEOUT_S * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`FERRY_REQUEST_TIMEOUT='${raw}' is not a number of seconds above 0`);
  return seconds * 1000;
}

/**
 * A small client for a Ferry server's REST API, used by the CLI's commands. Credentials for a
 * server with `server.auth`: `FERRY_SERVER_TOKEN` (bearer), or a user in the URL
 * (`https://user:password@ferry.internal`, sent as basic auth). Nothing answering is an
 * UnreachableError (exit 4), a 401 an AuthRefusedError (exit 5).
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly source: string;
  /** what credentials are sent, in words (for errors and `ferry doctor`) */
  readonly credentials: string;
  private readonly authorization?: string;
  /** how long a request may wait for an answer (FERRY_REQUEST_TIMEOUT); a follow waits as long for a lost server */
  readonly timeoutMs: number;

  constructor(target: ServerTarget | string, env: Record<string, string | undefined> = process.env) {
    const { url, source } = typeof target === "string" ? { url: target, source: "--server" } : target;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`'${url}' (${source}) is not a server URL (for example http://127.0.0.1:8080)`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`'${url}' (${source}) is not an http:// or https:// URL`);
    if (parsed.username) {
      const user = decodeURIComponent(parsed.username);
      this.authorization = `Basic ${Buffer.from(`${user}:${decodeURIComponent(parsed.password)}`).toString("base64")}`;
      this.credentials = `user ${user} (basic auth from the server URL)`;
      parsed.username = "";
      parsed.password = "";
    } else if (env.FERRY_SERVER_TOKEN) {
      this.authorization = `Bearer ${env.FERRY_SERVER_TOKEN}`;
      this.credentials = "the bearer token in $FERRY_SERVER_TOKEN";
    } else this.credentials = "no credentials";
    this.baseUrl = parsed.toString().replace(/\/$/, "");
    this.source = source;
    this.timeoutMs = requestTimeoutMs(env);
  }

  /**
   * The response once its headers arrived (FERRY_REQUEST_TIMEOUT covers that wait only: a
   * stream may then stay open); a 401 is an AuthRefusedError.
   */
  async fetch(method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.authorization) headers.authorization = this.authorization;
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new DOMException("timeout", "TimeoutError")), this.timeoutMs);
    const signal = init.signal ? AbortSignal.any([timer.signal, init.signal]) : timer.signal;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, body: init.body, headers, signal });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw this.unreachable(error);
    } finally {
      clearTimeout(timeout);
    }
    if (response.status === 401) {
      const text = await response.text().catch(() => "");
      throw new AuthRefusedError(`the server at ${this.baseUrl} refused ${this.credentials} (HTTP 401${messageOf(text) ? `: ${messageOf(text)}` : ""}); set FERRY_SERVER_TOKEN, or put user:password in the server URL`);
    }
    return response;
  }

  /** an error that says nothing answered, and why */
  unreachable(error: unknown): UnreachableError {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.cause?.message === "timeout") {
      return new UnreachableError(`no answer from the Ferry server at ${this.baseUrl} within ${this.timeoutMs / 1000} s (FERRY_REQUEST_TIMEOUT)`, { cause: error });
    }
    const why = e.cause?.code ?? e.cause?.message ?? e.message;
    return new UnreachableError(`cannot reach the Ferry server at ${this.baseUrl} (${why}); start one with 'ferry server local', or pass --server URL`, { cause: error });
  }

  /** a response's bytes as they are (a file), or undefined on 404 */
  async bytes(path: string): Promise<Uint8Array | undefined> {
    const { status, text, bytes } = await this.exchange("GET", path, {}, true);
    if (status === 404) return undefined;
    if (status >= 400) throw new UserError(`GET ${path}: HTTP ${status}: ${messageOf(text) ?? briefly(text)}`);
    return bytes!;
  }

  async request<T>(method: string, path: string, body?: BodyInit, contentType?: string): Promise<{ status: number; body: T }> {
    const { status, text } = await this.exchange(method, path, { body, headers: contentType ? { "content-type": contentType } : {} });
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status, body: parsed as T };
  }

  /** as expect, with more headers */
  async expectWith<T>(method: string, path: string, body: BodyInit, headers: Record<string, string>): Promise<T> {
    const { status, text } = await this.exchange(method, path, { body, headers });
    if (status >= 400) throw new UserError(`${method} ${path}: HTTP ${status}: ${messageOf(text) ?? briefly(text)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** the JSON answer; an HTTP error is one line naming the request and the server's message */
  async expect<T>(method: string, path: string, body?: BodyInit, contentType?: string): Promise<T> {
    const answer = await this.request<T & { message?: string }>(method, path, body, contentType);
    if (answer.status >= 400) throw new UserError(`${method} ${path}: HTTP ${answer.status}: ${answer.body?.message ?? briefly(answer.body)}`);
    return answer.body;
  }

  /** a whole exchange under the time limit, the body read too */
  private async exchange(method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> }, binary = false) {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const response = await this.fetch(method, path, { ...init, signal: deadline }).catch((error: unknown) => {
      throw deadline.aborted ? this.unreachable(deadline.reason) : error;
    });
    try {
      if (binary && response.status < 400) return { status: response.status, text: "", bytes: new Uint8Array(await response.arrayBuffer()) };
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw this.unreachable(deadline.aborted ? deadline.reason : error);
    }
  }
}

/** an answer that is not Ferry's JSON (a proxy's HTML page): its first line, cut short */
function briefly(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body) ?? "";
  const line = text.split("\n").find((l) => l.trim()) ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line.trim();
}

function messageOf(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === "string" ? message : undefined;
  } catch {
    return undefined;
  }
}
