import { parseFlow, parseFlowForDeploy, type ConnectionLookup, type Flow, type FlowLookup } from "@ferry/core";
import { assertNoSubflowCycle, findConnection } from "@ferry/engine";
import { NotFoundError, parseJsonFromOutside, UserError, type FlowRecord } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import { deployedFlows } from "../../deployed-flows.js";
import type { ApiDeps } from "../api-deps.js";
import { booleanQuery, MAX_PAGE_SIZE, onlyQuery } from "../params.js";
import { readSourceFile, zipSources, type SourceFile } from "./flow-archive.js";

/** flows named by one export by ids */
const MAX_IDS = 10_000;

/**
 * Kestra's FlowController export and import: `GET /export/by-query` and `POST /export/by-ids`
 * answer a ZIP of the flows' YAML sources (`<namespace>-<id>.yml`, `<namespace>.<id>.yaml`, as
 * Kestra names them); `POST /import` takes a multipart `fileUpload`, a ZIP of YAML files or one
 * YAML file of `---`-separated flows, creates or updates each flow, and answers the names of
 * those it could not import (a zip's entry paths, a YAML file's document indexes), or with
 * `failOnError=true` a 422 naming them and why, after importing the others, as Kestra does.
 * Mounted before the flow routes, whose `/:namespace/:id` would take `/export/by-query`.
 */
export function flowTransferRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { repository, registry } = deps;
  const deployed = deployedFlows(deps.flows);
  const connections: ConnectionLookup = (namespace, id) => findConnection(repository, namespace, id);

  const zipAnswer = (c: Context, files: SourceFile[]) =>
    c.body(zipSources(files) as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/octet-stream", "content-disposition": 'attachment; filename="flows.zip"' });

  app.get("/export/by-query", async (c) => {
    onlyQuery(c, ["namespace", "q"]);
    const records: FlowRecord[] = [];
    for (let page = 1; ; page++) {
      const found = await repository.searchFlows({ namespace: c.req.query("namespace"), q: c.req.query("q"), page, size: MAX_PAGE_SIZE });
      records.push(...found.results);
      if (found.results.length < MAX_PAGE_SIZE) break;
    }
    return zipAnswer(c, records.map((r) => ({ name: `${r.namespace}-${r.id}.yml`, source: r.source })));
  });

  app.post("/export/by-ids", async (c) => {
    onlyQuery(c, []);
    const ids = idsOf(parseJsonFromOutside(await c.req.text(), "the body"));
    const files: SourceFile[] = [];
    for (const { namespace, id } of ids) {
      const record = await repository.getFlow(namespace, id);
      if (!record) throw new NotFoundError(`flow ${namespace}.${id} not found`);
      files.push({ name: `${namespace}.${id}.yaml`, source: record.source });
    }
    return zipAnswer(c, files);
  });

  app.post("/import", async (c) => {
    onlyQuery(c, ["failOnError"]);
    const failOnError = booleanQuery(c.req.query("failOnError"), "failOnError", false);
    const upload = await fileUploadOf(c);
    const files = readSourceFile(upload.name, new Uint8Array(await upload.arrayBuffer()));
    // a Subflow may name a flow of the same upload: it is read as the upload gives it
    const batch = new Map<string, Flow>();
    for (const file of files) {
      try {
        const flow = parseFlow(file.source, registry);
        batch.set(`${flow.namespace}/${flow.id}`, flow);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
      }
    }
    const lookup: FlowLookup = async (namespace, id, revision) => (revision === undefined ? batch.get(`${namespace}/${id}`) : undefined) ?? deployed(namespace, id, revision);
    const failed: Array<{ name: string; message: string }> = [];
    for (const file of files) {
      if (!file.source.trim()) continue;
      try {
        await importFlow(file.source, lookup);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        failed.push({ name: file.name, message: error.message });
      }
    }
    if (failOnError && failed.length) {
      throw new UserError(`Following invalid flows were not imported: ${failed.map((f) => f.name).join(", ")}`, {
        errors: failed.map((f) => ({ path: f.name, message: f.message })),
      });
    }
    return c.json(failed.map((f) => f.name));
  });

  /** Kestra's FlowService.importFlow: created when new, else updated (a new revision only when the source changed) */
  async function importFlow(source: string, lookup: FlowLookup): Promise<void> {
    const flow = await parseFlowForDeploy(source, registry, lookup, connections);
    await assertNoSubflowCycle(flow, source, deps.flows, registry);
    const saved = await repository.saveFlow({ namespace: flow.namespace, id: flow.id, source });
    deps.flows.forget(flow.namespace, flow.id);
    deps.triggers.index.flowSaved(saved.flow);
  }

  return app;
}

/** `[{namespace, id}]`, Kestra's IdWithNamespace list */
function idsOf(body: unknown): Array<{ namespace: string; id: string }> {
  if (!Array.isArray(body)) throw new UserError("the body must be a JSON array of {namespace, id}", { status: 400 });
  if (body.length > MAX_IDS) throw new UserError(`at most ${MAX_IDS} flows per export`, { status: 400 });
  return body.map((item, i) => {
    const { namespace, id, ...rest } = (item && typeof item === "object" && !Array.isArray(item) ? item : {}) as Record<string, unknown>;
    if (typeof namespace !== "string" || !namespace || typeof id !== "string" || !id) throw new UserError(`[${i}]: expected {namespace, id}, two non-empty strings`, { status: 400 });
    const extra = Object.keys(rest);
    if (extra.length) throw new UserError(`[${i}]: unknown property '${extra[0].slice(0, 40)}' (an item is {namespace, id})`, { status: 400 });
    return { namespace, id };
  });
}

/** the multipart `fileUpload` part Kestra's import reads */
async function fileUploadOf(c: Context): Promise<File> {
  if (!(c.req.header("content-type") ?? "").includes("multipart/form-data")) {
    throw new UserError("send the file as multipart/form-data, in a part named fileUpload", { status: 400 });
  }
  const form = await c.req.parseBody().catch((error: Error) => {
    throw new UserError(`the multipart form does not parse: ${error.message}`, { status: 400 });
  });
  const part = form["fileUpload"];
  if (!(part instanceof File)) throw new UserError("the multipart form needs a file part named fileUpload", { status: 400 });
  return part;
}
