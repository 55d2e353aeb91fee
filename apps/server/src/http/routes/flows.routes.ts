import { linearKeyOptions, parseFlow, parseFlowForDeploy, yamlDocumentErrors, type ConnectionLookup, type Flow, type FlowLookup } from "@ferry/core";
import { findConnection } from "@ferry/engine";
import { assertNoSubflowCycle } from "@ferry/engine";
import { MAX_NESTING, NotFoundError, parseJsonFromOutside, UserError } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import { LineCounter, parseAllDocuments, stringify, type Document } from "yaml";
import { deployedFlows } from "../../deployed-flows.js";
import type { ApiDeps } from "../api-deps.js";
import { MAX_PAGE_SIZE, namespaceParam, onlyQuery, pageOf, revisionQuery } from "../params.js";
import { flowJson } from "../serialize.js";

/** Flow source from the body: YAML (application/x-yaml, text) or a JSON flow. */
async function sourceOf(c: Context): Promise<string> {
  const text = await c.req.text();
  if (!text.trim()) throw new UserError("the request body is empty; send the flow as YAML");
  if ((c.req.header("content-type") ?? "").includes("json")) return stringify(parseJsonFromOutside(text, "the JSON flow"));
  return text;
}

/** Kestra's `Flow` (as opposed to `FlowWithSource`): the same fields, no source */
function withoutSource({ source: _, ...flow }: ReturnType<typeof flowJson>) {
  return flow;
}

/** one document of a multi-document text, written back out alone (parseFlow reads one document) */
function sourceOfDocument(doc: Document): string {
  try {
    return doc.toString();
  } catch (error) {
    if (error instanceof RangeError) throw new UserError(`the flow is nested too deeply to read (at most ${MAX_NESTING} levels)`);
    throw error;
  }
}

export function flowRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { repository, registry } = deps;
  const deployed = deployedFlows(deps.flows);
  /** a connection a task names must be of the type its property takes, when it exists already */
  const connections: ConnectionLookup = (namespace, id) => findConnection(repository, namespace, id);

  app.post("/", async (c) => {
    const source = await sourceOf(c);
    const flow = await parseFlowForDeploy(source, registry, deployed, connections);
    await assertNoSubflowCycle(flow, source, deps.flows, registry);
    // only a create: of concurrent creates one is saved, the others answer 409 (checked in the save's transaction)
    const saved = await repository.saveFlow({ namespace: flow.namespace, id: flow.id, source }, { only: "create" });
    deps.flows.forget(flow.namespace, flow.id);
    // its triggers take effect at once here (other replicas see the save at their next poll)
    deps.triggers.index.flowSaved(saved.flow);
    return c.json(flowJson(saved.flow, flow), 200);
  });

  app.post("/validate", async (c) => {
    const text = await c.req.text();
    const lines = new LineCounter();
    const docs = parseAllDocuments(text, linearKeyOptions({ lineCounter: lines, prettyErrors: true }));
    const list = Array.isArray(docs) ? docs : [docs];
    // a Subflow may name a flow of the same request: it is read as the request gives it
    const batch = new Map<string, Flow>();
    const sources = list.map((doc) => (yamlDocumentErrors(doc, lines) ? undefined : sourceOfDocument(doc)));
    for (const source of sources) {
      if (source === undefined) continue;
      try {
        const flow = parseFlow(source, registry);
        batch.set(`${flow.namespace}/${flow.id}`, flow);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
      }
    }
    const lookup: FlowLookup = async (namespace, id, revision) => (revision === undefined ? batch.get(`${namespace}/${id}`) : undefined) ?? deployed(namespace, id, revision);
    const results = [];
    for (const [index, doc] of list.entries()) {
      // a document that does not parse cannot be written back out: its errors are the answer
      const invalid = yamlDocumentErrors(doc, lines);
      if (invalid) {
        results.push({ index, constraints: invalid.message, errors: invalid.errors });
        continue;
      }
      try {
        const flow = await parseFlowForDeploy(sources[index]!, registry, lookup, connections);
        results.push({ index, flow: flow.id, namespace: flow.namespace, constraints: null, errors: [] });
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        results.push({ index, constraints: error.message, errors: error.errors ?? [] });
      }
    }
    return c.json(results);
  });

  app.get("/search", async (c) => {
    onlyQuery(c, ["namespace", "q", "page", "size"]);
    const page = await repository.searchFlows({ namespace: c.req.query("namespace"), q: c.req.query("q"), ...pageOf(c.req.query()) });
    return c.json({ results: page.results.map((r) => flowJson(r, parseFlow(r.source, registry))), total: page.total });
  });

  /**
   * Kestra's FlowController.listDistinctNamespace (before /:namespace, which would take it for a
   * namespace): the namespaces in use, `q` a case-insensitive part of them. Ferry keeps no
   * namespace records; a KV pair or a connection puts a namespace in use as a flow does.
   */
  app.get("/distinct-namespaces", async (c) => {
    onlyQuery(c, ["q"]);
    const q = c.req.query("q")?.toLowerCase();
    return c.json((await repository.listNamespaces()).filter((n) => !q || n.toLowerCase().includes(q)).sort());
  });

  /** Kestra's listFlowsByNamespace: every live flow of exactly this namespace (not its children), without source */
  app.get("/:namespace", async (c) => {
    onlyQuery(c, []);
    const namespace = namespaceParam(c);
    const flows: object[] = [];
    for (let page = 1; ; page++) {
      const found = await repository.searchFlows({ namespace, page, size: MAX_PAGE_SIZE });
      for (const r of found.results) if (r.namespace === namespace) flows.push(withoutSource(flowJson(r, parseFlow(r.source, registry))));
      if (found.results.length < MAX_PAGE_SIZE) break;
    }
    return c.json(flows);
  });

  app.get("/:namespace/:id", async (c) => {
    const { namespace, id } = c.req.param();
    const record = await repository.getFlow(namespace, id, revisionQuery(c));
    if (!record) throw new NotFoundError(`flow ${namespace}.${id} not found`);
    return c.json(flowJson(record, parseFlow(record.source, registry)));
  });

  app.put("/:namespace/:id", async (c) => {
    const { namespace, id } = c.req.param();
    const source = await sourceOf(c);
    const flow = await parseFlowForDeploy(source, registry, deployed, connections);
    if (flow.namespace !== namespace || flow.id !== id) {
      throw new UserError(`the body declares flow ${flow.namespace}.${flow.id}, the path ${namespace}.${id}`);
    }
    // answered before the cycle check reads other flows; the save checks again, atomically, against a concurrent delete
    if (!(await repository.getFlow(namespace, id))) throw new NotFoundError(`flow ${namespace}.${id} not found; create it with POST /api/v1/flows`);
    await assertNoSubflowCycle(flow, source, deps.flows, registry);
    const saved = await repository.saveFlow({ namespace, id, source }, { only: "update" });
    deps.flows.forget(namespace, id);
    deps.triggers.index.flowSaved(saved.flow);
    return c.json(flowJson(saved.flow, flow));
  });

  app.delete("/:namespace/:id", async (c) => {
    const { namespace, id } = c.req.param();
    if (!(await repository.deleteFlow(namespace, id))) throw new NotFoundError(`flow ${namespace}.${id} not found`);
    deps.flows.forget(namespace, id);
    deps.triggers.index.flowDeleted(namespace, id);
    return c.body(null, 204);
  });

  app.get("/:namespace/:id/revisions", async (c) => {
    const { namespace, id } = c.req.param();
    const revisions = await repository.listFlowRevisions(namespace, id);
    if (!revisions.length) throw new NotFoundError(`flow ${namespace}.${id} not found`);
    return c.json(revisions.map((r) => ({ id: r.id, namespace: r.namespace, revision: r.revision, updated: r.updated, source: r.source })));
  });

  return app;
}
