import { UserError } from "@ferry/sdk/basics";
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { UnreachableError } from "../exit-codes.js";
import type { ApiClient } from "./api-client.js";

export interface StreamOptions {
  onMessage(message: EventSourceMessage): void;
  /**
   * whether what was read so far is the whole story (a stream that ends before then is
   * reopened); `closed`: the server ended the stream, rather than the connection being lost
   */
  finished(closed: boolean): boolean | Promise<boolean>;
  /** told when a connection is lost, once until one is made again */
  onReconnecting?(reason: string): void;
  signal?: AbortSignal;
  /** no answer for this long while reconnecting is an UnreachableError (exit 4); the client's request timeout by default */
  giveUpAfterMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Reads one of the server's server-sent event streams to its end. A connection lost before
 * `finished()` (a server restarting, a proxy closing an idle stream) is reopened, once a
 * second, until `giveUpAfterMs` (FERRY_REQUEST_TIMEOUT) passes without an answer; the streams send what is stored
 * again on reopening, so the caller drops what it already has. A 4xx answer is final.
 */
export async function readEventStream(client: ApiClient, path: string, options: StreamOptions): Promise<void> {
  const giveUpAfterMs = options.giveUpAfterMs ?? client.timeoutMs;
  let lastContact = Date.now();
  let lastError: unknown;
  let told = false;
  for (;;) {
    let closed = false;
    try {
      const response = await client.fetch("GET", path, { headers: { accept: "text/event-stream" }, signal: options.signal });
      if (response.status >= 400 && response.status < 500) {
        const text = await response.text();
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          // not JSON
        }
        throw new UserError(`GET ${path}: HTTP ${response.status}: ${message}`);
      }
      if (response.status >= 500 || !response.body) throw new Error(`HTTP ${response.status}`);
      lastContact = Date.now();
      told = false;
      const reader = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        lastContact = Date.now();
        options.onMessage(value);
      }
      lastError = new Error("the server closed the stream");
      closed = true;
    } catch (error) {
      if (options.signal?.aborted) return;
      if (error instanceof UserError) throw error;
      lastError = error;
    }
    if (await options.finished(closed)) return;
    if (Date.now() - lastContact > giveUpAfterMs) {
      const why = lastError instanceof Error ? lastError.message : String(lastError);
      throw new UnreachableError(`lost the Ferry server at ${client.baseUrl} for over ${giveUpAfterMs / 1000} s while following (${why}; FERRY_REQUEST_TIMEOUT)`, { cause: lastError });
    }
    if (!told) options.onReconnecting?.(lastError instanceof Error ? lastError.message : String(lastError));
    told = true;
    await sleep(1000, options.signal);
    if (options.signal?.aborted) return;
  }
}
