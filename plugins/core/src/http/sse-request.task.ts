import { defineTask, OperationalError, schema, UserError, z } from "@ferry/sdk";
import { authorization, failedResponse, formBody, httpOptionsSchema, httpTimeouts, ignoredHttpOptions, redirectOf, statusAllowed, urlRequestShape } from "./http-options.js";
import { encodedBody, httpFetch } from "./http-transport.js";

/** one Server-Sent Event as Kestra's HttpSseEvent serializes it: data (JSON when it parses), id, name, comment, retry */
type SseEvent = { data?: unknown; id?: string; name?: string; comment?: string; retry?: string };

/** reads an event stream (the WHATWG "event stream interpretation"), handing each dispatched event on */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: SseEvent) => void): Promise<void> {
  let buffer = "";
  let data: string[] = [];
  let event: Omit<SseEvent, "data"> = {};
  const line = (text: string) => {
    if (text === "") {
      if (data.length > 0 || event.comment !== undefined) {
        const raw = data.join("\n");
        let parsed: unknown = raw;
        try {
          parsed = JSON.parse(raw);
        } catch {
          // not JSON: the data as it came (Kestra's JacksonMapper.toObject fallback)
        }
        onEvent({ ...(data.length > 0 ? { data: parsed } : {}), ...event });
      }
      data = [];
      event = {};
      return;
    }
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? "" : text.slice(colon + 1).replace(/^ /, "");
    if (field === "") event.comment = event.comment === undefined ? value : `${event.comment}\n${value}`;
    else if (field === "data") data.push(value);
    else if (field === "event") event.name = value;
    else if (field === "id") event.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) event.retry = `PT${Number(value) / 1000}S`;
  };
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r\n|\r|\n/)) !== -1) {
      // a CR that ends this chunk may be the first half of a CRLF: wait for the next one
      if (buffer[end] === "\r" && end === buffer.length - 1) break;
      const sep = buffer.startsWith("\r\n", end) ? 2 : 1;
      line(buffer.slice(0, end));
      buffer = buffer.slice(end + sep);
    }
  }
  buffer += decoder.decode();
  if (buffer !== "") for (const rest of buffer.split(/\r\n|\r|\n/)) line(rest);
  line("");
}

export const sseRequestTask = defineTask({
  kind: "runnable",
  type: "core.http.SseRequest",
  aliases: ["io.kestra.plugin.core.http.SseRequest"],
  title: "Consume Server-Sent Events",
  description:
    "Sends an HTTP request (as Request: `method`, `headers`, `body` or `formData`, `options`) to a Server-Sent Events endpoint and reads its events until the server " +
    "ends the stream. Outputs `uri`, `size` (events received) and `events` (each its `data`, parsed as JSON when it is, `id`, `name`, `comment`, `retry`); with " +
    "`concatJqExpression`, jq runs over each event and the texts, numbers or booleans it gives are joined into `result` instead (`events` then absent). A jq that " +
    "fails or gives another kind of value fails the task, unless `failedOnMissingJq: false` (the event is then skipped).",
  properties: z.strictObject({
    ...urlRequestShape,
    options: httpOptionsSchema.optional(),
    concatJqExpression: schema.text().optional(),
    failedOnMissingJq: schema.bool().default(true),
  }),
  outputs: z.object({ uri: z.string(), events: z.array(z.record(z.string(), z.unknown())).optional(), size: z.number(), result: z.string().optional() }),
  examples: [
    {
      title: "Consume events and join one field of each",
      flow: "id: sse\nnamespace: company.team\ntasks:\n  - id: stream\n    type: io.kestra.plugin.core.http.SseRequest\n    uri: https://example.org/stream\n    concatJqExpression: .data.message\n",
    },
  ],
  async run(ctx, props) {
    const headers = new Headers({ accept: "text/event-stream" });
    const auth = authorization(props.options);
    if (auth) headers.set("authorization", auth);
    for (const [name, value] of Object.entries(props.headers)) headers.set(name, value);
    let body: BodyInit | undefined;
    if (props.formData) {
      const form = await formBody(ctx, props.formData, props.contentType);
      body = form.body;
      if (form.contentType) headers.set("content-type", form.contentType);
    } else if (props.body !== undefined) {
      const encoded = encodedBody(props.body, props.contentType, props.options);
      body = encoded.body;
      headers.set("content-type", encoded.contentType);
    }
    const signals = [ctx.signal];
    for (const warning of ignoredHttpOptions(props.options)) ctx.logger.warn(warning);
    const { readMs } = httpTimeouts(props.options);
    if (readMs !== undefined) signals.push(AbortSignal.timeout(readMs));
    const what = `${props.method} ${props.uri}`;
    let response: Response;
    const events: SseEvent[] = [];
    try {
      response = await httpFetch(ctx.logger, props.options, props.uri, { method: props.method, headers, body, signal: AbortSignal.any(signals), redirect: redirectOf(props.options) });
      if (!statusAllowed(response.status, props.options)) {
        const message = failedResponse(response.status, await response.text());
        throw response.status >= 500 || response.status === 429 ? new OperationalError(message) : new UserError(message);
      }
      if (response.body) await readEvents(response.body, (event) => events.push(event));
    } catch (error) {
      if (error instanceof UserError || error instanceof OperationalError || ctx.signal.aborted) throw error;
      throw new OperationalError(`${what} failed: ${(error as Error).message}`, { cause: error });
    }
    ctx.metric("size", events.length);
    const results: string[] = [];
    if (props.concatJqExpression !== undefined) {
      for (const event of events) {
        let value: unknown;
        try {
          // Ferry's jq (the expression filter): every value the program gives, in a list
          const values = JSON.parse(String(await ctx.render("{{ sseEvent | jq(sseJq) | toJson }}", { sseEvent: event, sseJq: props.concatJqExpression }))) as unknown[];
          // Kestra keeps the last value jq gives for an event; none: the event adds nothing
          if (values.length === 0) continue;
          value = values[values.length - 1];
          if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
            throw new UserError(`Expected text value from JQ expression but got: ${value === null ? "NULL" : Array.isArray(value) ? "ARRAY" : "OBJECT"}`);
          }
        } catch (error) {
          const message = `Failed to resolve JQ expression '${props.concatJqExpression}' and value '${JSON.stringify(event)}'`;
          if (props.failedOnMissingJq) throw new UserError(`${message}: ${(error as Error).message}`, { cause: error });
          ctx.logger.debug(`${message}. Skipping this event.`);
          continue;
        }
        results.push(String(value));
      }
    }
    return {
      uri: props.uri,
      ...(results.length === 0 ? { events: events as Record<string, unknown>[] } : {}),
      size: events.length,
      ...(results.length > 0 ? { result: results.join("") } : {}),
    };
  },
});
