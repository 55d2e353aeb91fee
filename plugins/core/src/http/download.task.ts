import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { extensionOf, freshName } from "../storage/file-names.js";
import { authorization, failedResponse, formBody, httpOptionsSchema, httpTimeouts, ignoredHttpOptions, redirectOf, statusAllowed, urlRequestShape } from "./http-options.js";
import { encodedBody, httpFetch } from "./http-transport.js";

/**
 * The file name a Content-Disposition header gives, as Kestra's Download reads it: the last
 * `filename=` or RFC 5987 `filename*=` part, unquoted, its last path segment only.
 */
export function filenameFromHeader(header: string): string | undefined {
  let name: string | undefined;
  for (const part of header.split(";").map((p) => p.trim())) {
    if (part.startsWith("filename*")) {
      const value = part.slice(part.indexOf("=") + 1);
      const encoded = value.slice(value.lastIndexOf("'") + 1);
      try {
        name = decodeURIComponent(encoded.replace(/^"|"$/g, ""));
      } catch {
        name = encoded;
      }
    } else if (part.startsWith("filename")) name = part.slice(part.lastIndexOf("=") + 1);
  }
  if (!name) return undefined;
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
  name = name.split(/[\\/]/).pop() ?? "";
  return name && name !== "." && name !== ".." ? name : undefined;
}

export const downloadTask = defineTask({
  kind: "runnable",
  type: "core.http.Download",
  aliases: ["io.kestra.plugin.core.http.Download", "io.kestra.plugin.fs.http.Download"],
  title: "Download a file",
  description:
    "Sends an HTTP request (`method`, `headers`, `body` with `contentType`, or `formData`) and stores the answer's body as a file of this execution, named after the " +
    "answer's Content-Disposition or with the extension of `uri`. Outputs `uri`, `code`, `headers` and `length`. A status of 400 or more fails the task unless " +
    "`options.allowFailed` (in Kestra's words: `Failed http request with response code …`); `options` also takes `followRedirects` and `auth` as Request's; an empty body fails it (`No response from server`) unless `failOnEmptyResponse: false` (then a warning) or `options.allowFailed`; a body shorter than its Content-Length fails it.",
  properties: z.strictObject({
    ...urlRequestShape,
    failOnEmptyResponse: schema.bool().default(true),
    allowFailed: schema.bool().default(false).describe("Kestra's deprecated spelling of options.allowFailed"),
    options: httpOptionsSchema.optional(),
  }),
  outputs: z.object({ uri: z.string(), code: z.number(), headers: z.record(z.string(), z.array(z.string())), length: z.number() }),
  examples: [{ title: "Download a CSV file", flow: "id: download\nnamespace: company.team\ntasks:\n  - id: extract\n    type: io.kestra.plugin.core.http.Download\n    uri: https://example.org/orders.csv\n" }],
  async run(ctx, props) {
    const allowFailed = props.options?.allowFailed ?? props.allowFailed;
    const headers = new Headers();
    const auth = authorization(props.options);
    if (auth) headers.set("authorization", auth);
    for (const [name, value] of Object.entries(props.headers)) headers.set(name, value);
    let body: BodyInit | undefined;
    if (props.formData) {
      const form = await formBody(ctx, props.formData, props.contentType);
      body = form.body;
      if (form.contentType) headers.set("content-type", form.contentType);
      else headers.delete("content-type");
    } else if (props.body !== undefined) {
      const encoded = encodedBody(props.body, headers.get("content-type") ?? props.contentType, props.options);
      body = encoded.body;
      headers.set("content-type", encoded.contentType);
    }
    for (const warning of ignoredHttpOptions(props.options)) ctx.logger.warn(warning);
    const timeouts = httpTimeouts(props.options);
    const signals = [ctx.signal];
    if (timeouts.readMs !== undefined) signals.push(AbortSignal.timeout(timeouts.readMs));
    const connect = timeouts.connectMs !== undefined ? new AbortController() : undefined;
    const connectTimer = connect ? setTimeout(() => connect.abort(new Error(`no answer within ${timeouts.connectName}`)), timeouts.connectMs) : undefined;
    if (connect) signals.push(connect.signal);
    const url = props.uri.replace(/ /g, "%20");
    const response = await httpFetch(ctx.logger, props.options, url, { method: props.method, headers, body, signal: AbortSignal.any(signals), redirect: redirectOf(props.options) }).finally(() =>
      clearTimeout(connectTimer),
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!statusAllowed(response.status, props.options, allowFailed)) throw new UserError(failedResponse(response.status, new TextDecoder().decode(bytes)));
    const declared = response.headers.get("content-length");
    // fetch decodes a compressed body, whose Content-Length counts the compressed bytes
    if (declared !== null && !response.headers.get("content-encoding") && props.method !== "HEAD" && Number(declared) !== bytes.length) {
      throw new UserError(`Invalid size, got ${bytes.length}, expected ${declared}`);
    }
    if (bytes.length === 0) {
      // Kestra's words exactly (DownloadTest.noResponse)
      if (props.failOnEmptyResponse && !allowFailed) throw new UserError("No response from server");
      ctx.logger.warn(`File '${props.uri}' is empty`);
    }
    const disposition = response.headers.get("content-disposition");
    const name = (disposition && filenameFromHeader(disposition)) ?? freshName(extensionOf(new URL(url).pathname));
    const outHeaders: Record<string, string[]> = {};
    response.headers.forEach((value, key) => (outHeaders[key] = [...(outHeaders[key] ?? []), value]));
    ctx.metric("response.length", bytes.length);
    ctx.logger.debug(`File '${props.uri}' downloaded with size '${bytes.length}'`);
    return { uri: await ctx.putFile(name, bytes), code: response.status, headers: outHeaders, length: bytes.length };
  },
});
