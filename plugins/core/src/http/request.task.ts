import { defineTask, parseDuration, schema, z } from "@ferry/sdk";

export const requestTask = defineTask({
  kind: "runnable",
  type: "core.http.Request",
  aliases: ["io.kestra.plugin.core.http.Request", "io.kestra.plugin.fs.http.Request"],
  title: "HTTP request",
  description: "Sends an HTTP request with fetch; a `body` goes with `contentType` (application/json by default, as Kestra). Outputs `code`, `headers` and `body` (text). A status ≥ 400 fails the task unless `allowFailed`.",
  properties: z.strictObject({
    uri: z.url(),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]).default("GET"),
    headers: z.record(z.string(), schema.text()).default({}),
    body: z.unknown().optional(),
    contentType: z.string().optional(),
    formData: z.record(z.string(), schema.text()).optional(),
    allowFailed: schema.bool().default(false),
    options: z.strictObject({ readTimeout: schema.duration().optional(), allowFailed: schema.bool().optional() }).optional(),
  }),
  outputs: z.object({ uri: z.string(), code: z.number(), headers: z.record(z.string(), z.array(z.string())), body: z.string().optional() }),
  examples: [{ title: "Call an API", flow: "id: call\nnamespace: company.team\ntasks:\n  - id: get\n    type: core.http.Request\n    uri: https://example.org/api\n" }],
  async run(ctx, props) {
    const headers = new Headers(props.headers);
    let body: BodyInit | undefined;
    if (props.formData) {
      body = new URLSearchParams(props.formData);
      headers.set("content-type", "application/x-www-form-urlencoded");
    } else if (props.body !== undefined) {
      body = typeof props.body === "string" ? props.body : JSON.stringify(props.body);
      // Kestra's contentType defaults to application/json, a text body's too (AbstractHttp)
      headers.set("content-type", props.contentType ?? "application/json");
    }
    const signals = [ctx.signal];
    if (props.options?.readTimeout) signals.push(AbortSignal.timeout(parseDuration(props.options.readTimeout)));
    const response = await fetch(props.uri, { method: props.method, headers, body, signal: AbortSignal.any(signals) });
    const text = props.method === "HEAD" ? undefined : await response.text();
    const outHeaders: Record<string, string[]> = {};
    response.headers.forEach((value, key) => (outHeaders[key] = [...(outHeaders[key] ?? []), value]));
    ctx.logger.debug(`${props.method} ${props.uri} answered ${response.status}`);
    if (response.status >= 400 && !(props.allowFailed || props.options?.allowFailed)) {
      throw new Error(`${props.method} ${props.uri} failed with HTTP ${response.status}: ${(text ?? "").slice(0, 500)}`);
    }
    return { uri: props.uri, code: response.status, headers: outHeaders, body: text };
  },
});
