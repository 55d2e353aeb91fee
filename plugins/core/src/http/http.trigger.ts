import { defineTrigger, errorMessage, schema, triggerKindProperties, UserError, z } from "@ferry/sdk";
import { INVALID_URI, requestProperties, requestShape, sendRequest, uriIsValid } from "./request.task.js";

/** what Kestra's http.Trigger evaluates when the flow gives no responseCondition */
const DEFAULT_CONDITION = "{{ response.statusCode < 400 }}";

// the request properties Kestra's Trigger passes on to its Request; a connection is Ferry's own
// and resolved on workers only, and allowFailed is forced (the condition judges the status)
const { connection: _connection, allowFailed: _allowFailed, ...shared } = requestShape;
// Kestra's http.Trigger has no `inputs` (its executions take the flow's defaults): refused as unknown
const { inputs: _inputs, ...polling } = triggerKindProperties.polling.shape;

const properties = z
  .strictObject({
    ...polling,
    ...shared,
    responseCondition: z.string().min(1).default(DEFAULT_CONDITION),
    // Kestra's Trigger declares params but never hands them to its Request: accepted there, they do nothing
    params: schema.notYet("params", "Kestra's http.Trigger never sends them either; write the query string in uri"),
    // Kestra's deprecated spelling of options.ssl, which wins when both are given
    sslOptions: z.strictObject({ insecureTrustAllCertificates: schema.bool().optional() }).optional(),
  })
  .refine(uriIsValid, INVALID_URI)
  .refine((p) => p.options?.allowFailed !== false, {
    message: "an http.Trigger always takes failed statuses (responseCondition decides), as Kestra's forces options.allowFailed to true",
    path: ["options", "allowFailed"],
  });

/** Kestra's io.kestra.plugin.core.http.Trigger: an HTTP call every `interval`, a flow started when the response meets a condition */
export const httpTrigger = defineTrigger({
  type: "core.http.Trigger",
  aliases: ["io.kestra.plugin.core.http.Trigger", "io.kestra.plugin.fs.http.Trigger"],
  title: "HTTP polling trigger",
  description:
    "Every `interval` (PT60S by default) the server sends the request that `uri`, `method`, `headers`, `body`, `contentType`, `formData` and `options` describe, " +
    "as an http.Request task does, then renders `responseCondition` (default `{{ response.statusCode < 400 }}`) with `response.statusCode`, `response.body` (text) " +
    "and `response.headers`. When it holds, one execution starts with `trigger.uri`, `trigger.code`, `trigger.headers` and `trigger.body`. " +
    "While an execution it started has not ended, it does not poll (one active run per trigger, as Kestra). " +
    "A host out of reach or a bad answer is logged on the trigger and it polls again after `interval`; `stopAfter` disables it once an execution it started ends in one of those states.",
  kind: "polling",
  properties,
  async evaluate(props, ctx) {
    const { interval: _interval, responseCondition, params: _params, ...request } = props;
    const { sslOptions, ...rendered } = (await ctx.render(request)) as typeof request;
    const options = sslOptions && !rendered.options?.ssl ? { ...rendered.options, ssl: sslOptions } : rendered.options;
    const parsed = requestProperties.safeParse({ ...rendered, ...(options ? { options } : {}), allowFailed: true });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(request)"}: ${i.message}`).join("; ");
      throw new UserError(`the request's properties, rendered, are invalid: ${problems}`);
    }
    const files = {
      getFile: async () => {
        throw new UserError("formData: a trigger reads no files from storage (it runs outside any execution); send text parts");
      },
    };
    const output = await sendRequest({ logger: ctx.logger, signal: ctx.signal, ...files }, parsed.data);
    ctx.logger.debug(`${output.uri} respond with status code '${output.code}'`);
    const response = { statusCode: output.code, body: output.body ?? null, headers: output.headers };
    let holds: boolean;
    try {
      holds = await ctx.holds(responseCondition, { response });
    } catch (error) {
      throw new UserError(`responseCondition: ${errorMessage(error)}`, { cause: error });
    }
    return holds ? { uri: output.uri, code: output.code, headers: output.headers, body: output.body ?? null } : undefined;
  },
});
