/** The OpenAPI document of the REST API, served at /api/v1/openapi.json. */
const json = (description: string, schema: object = { type: "object" }) => ({ description, content: { "application/json": { schema } } });
const error = (description: string) => json(description, { $ref: "#/components/schemas/Error" });
const yamlBody = { required: true, content: { "application/x-yaml": { schema: { type: "string" } } } };
const path = (name: string, description = name) => ({ name, in: "path", required: true, description, schema: { type: "string" } });
const query = (name: string, description: string, schema: object = { type: "string" }) => ({ name, in: "query", description, schema });
const ns = path("namespace", "dot-separated namespace");
const execId = path("id", "execution id");
const idsBody = { required: true, content: { "application/json": { schema: { type: "array", items: { type: "string" }, maxItems: 1000 } } } };
const statisticsBody = {
  content: { "application/json": { schema: { type: "object", additionalProperties: false, properties: { namespace: { type: "string" }, flowId: { type: "string" }, startDate: { type: "string", format: "date-time" }, endDate: { type: "string", format: "date-time" } } } } },
};
const page = [query("page", "1-based page", { type: "integer", default: 1 }), query("size", "page size", { type: "integer", default: 25 })];

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Ferry API",
    version: "0.1.0",
    description:
      "Kestra-shaped REST API of the Ferry workflow orchestrator. Every `/api/v1/...` path is also served as `/api/v1/main/...`, Kestra's tenant path (`/api/v1/{tenant}/...`, OSS tenant `main`) that Kestra's SDKs and kestractl send: Ferry has one tenant, `main`; any other answers 404 naming it, and so do Kestra's Enterprise-only roots (users, groups, roles, service-accounts…). Kestra 2.0's `/executions/{executionId}/actions/{action}` reaches the same routes as the bare 1.x `/executions/{executionId}/{action}`.",
  },
  paths: {
    "/health": { get: { summary: "Liveness (open: no credentials needed)", responses: { 200: json("up") } } },
    "/health/live": { get: { summary: "Liveness (open: no credentials needed)", responses: { 200: json("up") } } },
    "/api/v1/health": { get: { summary: "Liveness under the API prefix (open: no credentials needed)", responses: { 200: json("up") } } },
    "/api/v1/openapi.json": { get: { summary: "This document", responses: { 200: json("OpenAPI 3.1") } } },
    "/api/v1/flows": { post: { summary: "Create a flow from YAML", requestBody: yamlBody, responses: { 200: json("the flow"), 409: error("exists"), 422: error("invalid flow") } } },
    "/api/v1/flows/validate": { post: { summary: "Validate one or more flows (YAML documents)", requestBody: yamlBody, responses: { 200: json("one result per document", { type: "array" }) } } },
    "/api/v1/flows/export/by-query": {
      get: {
        summary: "Export the flows a query finds as a ZIP of their YAML sources, one `<namespace>-<id>.yml` each (Kestra's exportFlowsByQuery)",
        parameters: [query("namespace", "namespace or parent"), query("q", "text in id or namespace")],
        responses: { 200: { description: "flows.zip", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } } },
      },
    },
    "/api/v1/flows/export/by-ids": {
      post: {
        summary: "Export the named flows as a ZIP of their YAML sources, one `<namespace>.<id>.yaml` each (Kestra's exportFlowsByIds)",
        requestBody: { required: true, content: { "application/json": { schema: { type: "array", maxItems: 10000, items: { type: "object", additionalProperties: false, required: ["namespace", "id"], properties: { namespace: { type: "string" }, id: { type: "string" } } } } } } },
        responses: { 200: { description: "flows.zip", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } }, 400: error("not a list of {namespace, id}"), 404: error("a flow not found") },
      },
    },
    "/api/v1/flows/import": {
      post: {
        summary:
          "Import flows from a multipart `fileUpload`: a ZIP of .yaml/.yml files or one YAML file of `---`-separated flows; each is created or updated. Answers the names of those not imported (a zip's entry paths, a YAML file's document indexes) — Kestra's importFlows",
        parameters: [query("failOnError", "answer 422 naming the flows not imported and why (the others are imported)", { type: "boolean", default: false })],
        requestBody: { required: true, content: { "multipart/form-data": { schema: { type: "object", required: ["fileUpload"], properties: { fileUpload: { type: "string", format: "binary" } } } } } },
        responses: {
          200: json("[name] of the flows not imported", { type: "array", items: { type: "string" } }),
          400: error("no multipart fileUpload part"),
          422: error("not a zip or YAML file, a zip over the unpacked-size cap or with a '..' path; with failOnError, flows not imported (a document that is not YAML among them)"),
        },
      },
    },
    "/api/v1/flows/search": { get: { summary: "Search flows", parameters: [query("namespace", "namespace or parent"), query("q", "text in id or namespace"), ...page], responses: { 200: json("{results, total}") } } },
    "/api/v1/flows/distinct-namespaces": {
      get: { summary: "The namespaces in use (Kestra's listDistinctNamespace); q filters them", parameters: [query("q", "a case-insensitive part of the namespace")], responses: { 200: json("[namespace]", { type: "array", items: { type: "string" } }) } },
    },
    "/api/v1/flows/{namespace}": { get: { summary: "Flows of exactly this namespace, without their source (Kestra's listFlowsByNamespace)", parameters: [ns], responses: { 200: json("[flow]", { type: "array" }) } } },
    "/api/v1/flows/{namespace}/{id}": {
      get: { summary: "Get a flow", parameters: [ns, path("id"), query("revision", "a revision", { type: "integer" })], responses: { 200: json("the flow"), 404: error("not found") } },
      put: { summary: "Update a flow (new revision when the source changed)", parameters: [ns, path("id")], requestBody: yamlBody, responses: { 200: json("the flow"), 404: error("not found"), 409: error("too many concurrent saves of the flow; retry"), 422: error("invalid flow") } },
      delete: { summary: "Delete a flow", parameters: [ns, path("id")], responses: { 204: { description: "deleted" }, 404: error("not found") } },
    },
    "/api/v1/flows/{namespace}/{id}/revisions": { get: { summary: "List a flow's revisions", parameters: [ns, path("id")], responses: { 200: json("revisions", { type: "array" }), 404: error("not found") } } },
    "/api/v1/executions/{namespace}/{flowId}": {
      post: {
        summary: "Start an execution",
        parameters: [
          ns, path("flowId"), query("wait", "answer when the execution ends", { type: "boolean" }), query("revision", "flow revision", { type: "integer" }), query("labels", "key:value, repeatable (at most 100)"),
          query("storagePrefix", "a storage path of the execution's own for its files (records stay in the deployment's layout)"),
          query("scheduleDate", "create the execution now, CREATED, and start it at this date-time (ISO-8601 with an offset)", { type: "string", format: "date-time" }),
        ],
        requestBody: { content: { "multipart/form-data": { schema: { type: "object" } }, "application/json": { schema: { type: "object" } } } },
        responses: { 200: json("the execution", { $ref: "#/components/schemas/Execution" }), 404: error("unknown flow"), 422: error("invalid inputs") },
      },
    },
    "/api/v1/executions/search": { get: { summary: "Search executions", parameters: [query("namespace", "namespace"), query("flowId", "flow id"), query("state", "state, repeatable"), query("labels", "key:value, repeatable (at most 100): executions with every one"), query("startDate", "started at or after (ISO-8601)"), query("endDate", "ended at or before (ISO-8601)"), ...page, query("after", "the previous page's `next`: the page after it, at the same cost at any depth (with page 1)"), query("kind", "NORMAL (the default) or LOOP: a Loop's iterations, its sub-executions"), query("parentId", "the executions this one started (a Loop's iterations with kind=LOOP, its Subflows')")], responses: { 200: json("{results, total, totalEstimated?, next?}: total is exact up to 1,000 matches, past it the database's estimate (totalEstimated: true); next is the cursor of a full page's last execution"), 400: error("a bad filter or cursor"), 501: error("history.type none: only live states are searchable"), 503: error("the history store is out of reach") } } },
    "/api/v1/executions": { get: { summary: "A flow's executions (Kestra's searchExecutionsByFlowId)", parameters: [{ ...query("namespace", "namespace"), required: true }, { ...query("flowId", "flow id"), required: true }, ...page], responses: { 200: json("{results, total}"), 400: error("namespace or flowId missing") } } },
    "/api/v1/executions/{id}": {
      get: { summary: "Get an execution", parameters: [execId], responses: { 200: json("the execution", { $ref: "#/components/schemas/Execution" }), 404: error("not found") } },
      delete: {
        summary: "Delete an ended execution with its task runs and, unless told false, its logs, metrics and files",
        parameters: [
          execId,
          query("deleteLogs", "also its logs", { type: "boolean", default: true }),
          query("deleteMetrics", "also its metrics", { type: "boolean", default: true }),
          query("deleteStorage", "also its files in internal storage", { type: "boolean", default: true }),
        ],
        responses: { 204: { description: "deleted" }, 400: error("a flag that is not true or false"), 404: error("not found"), 409: error("not ended yet") },
      },
    },
    "/api/v1/executions/{id}/kill": { delete: { summary: "Kill an execution", parameters: [execId], responses: { 202: json("killing"), 404: error("not found"), 409: error("already ended") } } },
    "/api/v1/executions/{id}/resume": {
      post: {
        summary: "Resume a PAUSED execution: its paused Pause task goes on, with the onResume inputs (a multipart form or a JSON object) as its outputs",
        parameters: [execId],
        requestBody: { content: { "multipart/form-data": { schema: { type: "object" } }, "application/json": { schema: { type: "object" } } } },
        responses: { 200: json("the execution"), 404: error("not found"), 409: error("not PAUSED (its state named)"), 422: error("an onResume input missing, unknown or of the wrong type") },
      },
    },
    "/api/v1/executions/{id}/actions/review": {
      post: {
        summary: "Review a PAUSED Approval: APPROVED runs its onApprove, DENIED its onDeny; the comment and the Approval's inputs become its outputs",
        parameters: [execId],
        requestBody: {
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["decision"],
                properties: {
                  decision: { type: "string", description: "APPROVED or DENIED (or the Approval's `decisions` names)" },
                  comment: { type: "string" },
                  inputs: { type: "object", description: "values of the Approval's inputs" },
                  taskRunId: { type: "string", description: "the Approval's task run, when several wait" },
                },
              },
            },
          },
        },
        responses: {
          200: json("the execution"),
          400: error("a body that is not a JSON object"),
          404: error("no such execution or task run"),
          409: error("no Approval waits for a review (not paused, already reviewed, ended)"),
          422: error("a decision that is not APPROVED or DENIED, a required comment missing, an input missing, unknown or of the wrong type"),
        },
      },
    },
    "/api/v1/executions/{id}/restart": {
      post: {
        summary: "Restart a FAILED, KILLED or PAUSED execution (Kestra's ExecutionService.restart): answered as saved, RESTARTED (its history plus RESTARTED, the runs to run again RESTARTED), then run; with `revision`, the restart is a new execution on that flow revision (parentId the source)",
        parameters: [execId, query("revision", "restart on this flow revision, as a new execution", { type: "integer" })],
        responses: { 200: json("the execution, RESTARTED"), 400: error("a revision that is not an integer, an unknown parameter"), 404: error("no such execution, or the flow has no such revision"), 409: error("not restartable (not FAILED, KILLED or PAUSED — a PAUSING one included —, or its flow's concurrency limit is reached)"), 410: error("its inputs were purged") },
      },
    },
    "/api/v1/executions/{id}/replay": {
      post: {
        summary: "Replay an ended execution: a new execution of its flow with the same inputs, from the start or from a task run (every task run but its successors in the flow is kept, outputs and all, as Kestra does: a Parallel's other branches, the tasks before it)",
        parameters: [execId, query("taskRunId", "replay from this task run"), query("revision", "the flow revision to run (the execution's by default)", { type: "integer" })],
        responses: {
          200: json("the new execution", { $ref: "#/components/schemas/Execution" }),
          404: error("no such execution or revision"),
          409: error("the execution has not ended"),
          410: error("what the replay needs was purged from internal storage"),
          422: error("the task run is not one of this execution's"),
        },
      },
    },
    "/api/v1/executions/{id}/state": {
      post: {
        summary: "Change the state of a task run of an ended execution (Kestra's markAs): the run and its last attempt take the state, its parents go back to RUNNING, and the execution carries on from there (next attempt, system.restarted); answered as saved, RESTARTED",
        parameters: [execId],
        requestBody: {
          required: true,
          content: { "application/json": { schema: { type: "object", required: ["taskRunId", "state"], additionalProperties: false, properties: { taskRunId: { type: "string" }, state: { type: "string", enum: ["SUCCESS", "WARNING", "FAILED"] } } } } },
        },
        responses: {
          200: json("the execution", { $ref: "#/components/schemas/Execution" }),
          400: error("no body, or not JSON"),
          404: error("no such execution, or no such task run in it"),
          409: error("the execution has not ended, or its flow runs as many executions as its concurrency limit allows"),
          422: error("a state other than SUCCESS, WARNING, FAILED, an unknown property, or a task run of the errors/finally/afterExecution tasks or inside a WorkingDirectory"),
        },
      },
    },
    "/api/v1/executions/{id}/labels": {
      post: {
        summary: "Set the labels of an execution, running or ended: the list replaces its labels; its system.* labels stay",
        parameters: [execId],
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Labels" } } } },
        responses: { 200: json("the execution", { $ref: "#/components/schemas/Execution" }), 400: error("no body"), 404: error("not found"), 422: error("not a list of {key, value} (at most 100), or a system label") },
      },
    },
    "/api/v1/executions/labels/by-ids": {
      post: {
        summary: "Add labels to several executions (each keeps its other labels)",
        requestBody: {
          required: true,
          content: { "application/json": { schema: { type: "object", required: ["executionsId", "executionLabels"], properties: { executionsId: { type: "array", items: { type: "string" } }, executionLabels: { $ref: "#/components/schemas/Labels" } } } } },
        },
        responses: { 200: json("{count}"), 400: error("an execution not found (nothing is changed)"), 422: error("not a list of ids and labels") },
      },
    },
    "/api/v1/executions/labels/by-query": {
      post: {
        summary: "Add labels to every execution the filters choose, as /executions/search reads them (each keeps its other labels; at most 1,000)",
        parameters: [query("namespace", "namespace"), query("flowId", "flow id"), query("state", "state, repeatable"), query("labels", "key:value, repeatable (at most 100): executions with every one"), query("startDate", "started at or after (ISO-8601)"), query("endDate", "ended at or before (ISO-8601)"), query("kind", "NORMAL (the default) or LOOP"), query("parentId", "the executions this one started")],
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Labels" } } } },
        responses: { 200: json("{count}"), 400: error("a bad filter, an unknown query parameter, or no body"), 422: error("not a list of {key, value}, a system label, or more than 1,000 executions match") },
      },
    },
    "/api/v1/executions/{id}/follow": { get: { summary: "Follow an execution (server-sent events)", parameters: [execId], responses: { 200: { description: "text/event-stream of execution JSON" }, 404: error("not found") } } },
    "/api/v1/executions/{id}/file": {
      get: {
        summary: "Download a file of the execution (FILE input or task file) by its ferry:// URI",
        parameters: [execId, query("path", "the file's ferry:// URI")],
        responses: { 200: { description: "the bytes, as an attachment" }, 403: error("not a file of this execution"), 404: error("no such execution or file"), 410: error("purged from internal storage") },
      },
    },
    "/api/v1/executions/{id}/file/metas": {
      get: { summary: "Size of a file of the execution", parameters: [execId, query("path", "the file's ferry:// URI")], responses: { 200: json("{size}"), 403: error("not a file of this execution"), 404: error("no such file"), 410: error("purged") } },
    },
    "/api/v1/executions/{id}/file/preview": {
      get: {
        summary: "Preview a file of the execution: text (first maxRows lines) or an image (base64)",
        parameters: [execId, query("path", "the file's ferry:// URI"), query("maxRows", "lines of text to show", { type: "integer", default: 1000 })],
        responses: { 200: json("{extension, type: TEXT | IMAGE, content, truncated}"), 403: error("not a file of this execution"), 410: error("purged"), 422: error("not previewable") },
      },
    },
    "/api/v1/logs/search": {
      get: {
        summary: "Full-text search over every execution's log lines, newest first (history.type postgres)",
        parameters: [
          query("q", "words every line holds"), query("namespace", "namespace and its children"), query("flowId", "flow id"), query("minLevel", "lowest level"),
          query("startDate", "at or after (ISO-8601)"), query("endDate", "before (ISO-8601)"), ...page, query("after", "keyset cursor: the `next` of the previous page"),
        ],
        responses: { 200: json("{results, total, totalEstimated?, next?}: total is exact up to 1,000 matches, past it the planner's estimate (totalEstimated: true)"), 400: error("no q"), 501: error("the history store has no text index, or none is configured"), 503: error("the history store is out of reach") },
      },
    },
    "/api/v1/history": { get: { summary: "Where history is served from, and the exporter's position, lag and state", responses: { 200: json("{source, export?}") } } },
    "/api/v1/history/rebuild": { post: { summary: "Export the primary again from the start into a new generation built beside the live one, switched live once caught up", responses: { 202: json("{source, export}"), 409: error("history is not exported") } } },
    "/api/v1/logs/{executionId}": {
      get: {
        summary: "Logs of an execution",
        parameters: [path("executionId"), query("taskId", "only this task"), query("taskRunId", "only this task run"), query("minLevel", "TRACE DEBUG INFO WARN ERROR")],
        responses: { 200: json("log entries", { type: "array" }), 404: error("not found") },
      },
    },
    "/api/v1/executions/webhook/{namespace}/{flowId}/{key}": Object.fromEntries(
      ["get", "post", "put"].map((method) => [
        method,
        {
          summary: "Start an execution by a flow's Webhook trigger; the flow sees trigger.body, trigger.headers, trigger.parameters",
          parameters: [ns, path("flowId"), path("key", "the trigger's key"), { name: "Idempotency-Key", in: "header", description: "a repeat within 24 hours answers the first execution", schema: { type: "string" } }],
          responses: {
            200: json("the execution; with `wait`, at its end; with `returnOutputs`, the flow's outputs (or {id, state, error})"),
            204: { description: "the trigger's conditions are not met" },
            401: error("signature missing or wrong"),
            404: error("no such flow, flow disabled, or wrong key (one answer for all three)"),
            413: error("body too large"),
            422: error("inputs cannot be built"),
            429: error("over the trigger's rate limit"),
          },
        },
      ]),
    ),
    "/api/v1/triggers/search": { get: { summary: "Triggers of live flows with their state", parameters: [query("namespace", "namespace or parent"), query("flowId", "flow id"), query("q", "text"), ...page], responses: { 200: json("{results: [{abstractTrigger, triggerContext}], total}") } } },
    "/api/v1/triggers/{namespace}/{flowId}": { get: { summary: "A flow's triggers as Kestra's Trigger (the context alone)", parameters: [ns, path("flowId"), query("q", "text in the trigger id"), ...page], responses: { 200: json("{results: [{namespace, flowId, triggerId, date, nextExecutionDate, disabled…}], total}") } } },
    "/api/v1/triggers/{namespace}/{flowId}/{triggerId}": {
      get: { summary: "A trigger and its state", parameters: [ns, path("flowId"), path("triggerId")], responses: { 200: json("{abstractTrigger, triggerContext}"), 404: error("not found") } },
      put: {
        summary: "Enable or disable a trigger (a schedule resumes from now)",
        parameters: [ns, path("flowId"), path("triggerId")],
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["disabled"], properties: { disabled: { type: "boolean" } } } } } },
        responses: { 200: json("{abstractTrigger, triggerContext}"), 400: error("bad body"), 404: error("not found") },
      },
    },
    "/api/v1/triggers/{namespace}/{flowId}/{triggerId}/backfill": {
      post: {
        summary: "Start one execution per fire time of a schedule in [start, end] (at most 1000; fire times already run are skipped, as are those the trigger's conditions do not hold for)",
        parameters: [ns, path("flowId"), path("triggerId")],
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["start"], properties: { start: { type: "string", format: "date-time" }, end: { type: "string", format: "date-time" }, labels: { type: "object" } } } } } },
        responses: { 200: json("{started: [ids], skipped, conditionsNotMet}"), 400: error("bad body or not a schedule"), 404: error("not found"), 422: error("range too large") },
      },
    },
    "/api/v1/logs/{executionId}/follow": {
      get: {
        summary: "Follow an execution's logs (server-sent events, one `log` event per line) until it ends",
        parameters: [path("executionId"), query("taskId", "only this task"), query("taskRunId", "only this task run"), query("minLevel", "TRACE DEBUG INFO WARN ERROR")],
        responses: { 200: { description: "text/event-stream of log entries" }, 404: error("not found") },
      },
    },
    "/api/v1/metrics/{executionId}": {
      get: {
        summary: "Metrics an execution's tasks reported (counters and timers, with tags)",
        parameters: [path("executionId"), query("taskId", "only this task"), query("taskRunId", "only this task run")],
        responses: { 200: json("metric entries", { type: "array" }), 404: error("not found") },
      },
    },
    "/api/v1/namespaces/{namespace}/files": {
      get: { summary: "Read a namespace file", parameters: [ns, query("path", "path in the namespace (`/scripts/main.ts`)")], responses: { 200: { description: "the file's bytes" }, 400: error("unsafe path"), 404: error("no such file") } },
      post: {
        summary: "Write a namespace file (raw body, or a multipart form with a fileContent part)",
        parameters: [ns, query("path", "path in the namespace")],
        requestBody: { content: { "application/octet-stream": { schema: { type: "string", format: "binary" } }, "multipart/form-data": { schema: { type: "object" } } } },
        responses: { 200: json("{namespace, path, size}"), 400: error("unsafe path") },
      },
      put: { summary: "Write a namespace file (as POST)", parameters: [ns, query("path", "path in the namespace")], responses: { 200: json("{namespace, path, size}"), 400: error("unsafe path") } },
      delete: { summary: "Delete a namespace file, or a directory and its content", parameters: [ns, query("path", "path in the namespace")], responses: { 204: { description: "deleted" }, 404: error("no such file") } },
    },
    "/api/v1/namespaces/{namespace}/files/stats": { get: { summary: "A namespace file's or directory's attributes (the root without a path)", parameters: [ns, query("path", "path in the namespace")], responses: { 200: json("{fileName, type: File|Directory, size?}"), 404: error("no such file or directory") } } },
    "/api/v1/namespaces/{namespace}/files/search": { get: { summary: "Paths of the namespace's files that contain q", parameters: [ns, { ...query("q", "a part of the path"), required: true }], responses: { 200: json("[path]", { type: "array" }), 400: error("q missing") } } },
    "/api/v1/namespaces/{namespace}/files/directory": {
      get: { summary: "List a directory of namespace files", parameters: [ns, query("path", "directory (default: the root)")], responses: { 200: json("[{type: File|Directory, fileName, size?}]", { type: "array" }), 404: error("no such directory") } },
    },
    "/api/v1/namespaces/{namespace}/secrets": {
      get: { summary: "Names of the secrets a namespace sees (its own and its parents'); never values", parameters: [ns], responses: { 200: json("{readOnly, results: [{key}], total}"), 400: error("bad namespace") } },
    },
    "/api/v1/namespaces/{namespace}/secrets/{name}": {
      put: {
        summary: "Set a secret (writable backends: database, Vault)",
        parameters: [ns, path("name", "secret name")],
        requestBody: { content: { "application/json": { schema: { type: "object", properties: { value: { type: "string" } } } }, "text/plain": { schema: { type: "string" } } } },
        responses: { 200: json("{namespace, key}"), 400: error("bad name or body"), 405: error("the backend is read-only") },
      },
      delete: { summary: "Delete a secret", parameters: [ns, path("name", "secret name")], responses: { 204: { description: "deleted" }, 404: error("no such secret"), 405: error("the backend is read-only") } },
    },
    "/api/v1/plugins/schemas/flow": { get: { summary: "JSON Schema of flow files for the loaded plugins (for editors)", responses: { 200: json("a JSON Schema (2020-12)") } } },
    "/api/v1/plugins": { get: { summary: "Loaded plugins with their task, trigger and connection types and versions", responses: { 200: json("[{name, version, tasks, triggers, connectionTypes}]", { type: "array" }) } } },
    "/metrics": { get: { summary: "Prometheus metrics (executions, task run durations, queue depth, workers, process)", responses: { 200: { description: "Prometheus text format" } } } },
    "/health/ready": { get: { summary: "Readiness: the repository answers and the queue takes messages (open: no credentials needed)", responses: { 200: json("{status, checks}"), 503: json("{status: DOWN, checks}") } } },
    "/api/v1/namespaces": { get: { summary: "Namespaces with a flow, a KV pair or a connection, and their parents", responses: { 200: json("[{id}]", { type: "array" }) } } },
    "/api/v1/configs": { get: { summary: "Kestra's configuration endpoint, the part true of Ferry: version (Ferry's, 0.x: Kestra's 1.x API), edition, whether Basic auth is set up", responses: { 200: json("{version, edition, isBasicAuthInitialized, …}") } } },
    "/api/v1/namespaces/search": { get: { summary: "Search namespaces (Kestra's searchNamespaces)", parameters: [query("q", "a part of the id, any case"), query("page", "1-based page", { type: "integer", default: 1 }), query("size", "page size", { type: "integer", default: 10 }), query("existing", "only existing namespaces: every one Ferry answers exists", { type: "boolean" })], responses: { 200: json("{results: [{id, deleted, disabled}], total}") } } },
    "/api/v1/namespaces/{namespace}": { get: { summary: "A namespace (Kestra's getNamespace: any well-formed id)", parameters: [ns], responses: { 200: json("{id, deleted}"), 400: error("not a namespace") } } },
    "/api/v1/namespaces/{namespace}/kv": { get: { summary: "KV pairs of a namespace (metadata: key, type, creation, update, expiration)", parameters: [ns, query("prefix", "keys starting with")], responses: { 200: json("list", { type: "array" }), 400: error("bad namespace") } } },
    "/api/v1/namespaces/{namespace}/kv/{key}": {
      get: { summary: "A KV pair: {type, value}", parameters: [ns, path("key")], responses: { 200: json("{type, value}"), 404: error("missing or expired") } },
      put: {
        summary: "Set a KV pair from a JSON value (type inferred); optional ttl header (ISO-8601 duration)",
        parameters: [ns, path("key"), { name: "ttl", in: "header", schema: { type: "string" } }],
        requestBody: { required: true, content: { "application/json": { schema: {} } } },
        responses: { 200: json("metadata"), 400: error("bad key, body or ttl"), 409: error("too many concurrent writers of the key; retry") },
      },
      delete: { summary: "Delete a KV pair: true, or false when there was none", parameters: [ns, path("key")], responses: { 200: json("boolean", { type: "boolean" }) } },
    },
    "/api/v1/namespaces/{namespace}/connections": {
      get: { summary: "Connections of a namespace (its own), secret fields shown ******", parameters: [ns], responses: { 200: json("[{namespace, id, type, values, description, creationDate, updateDate}]", { type: "array" }), 400: error("bad namespace") } },
    },
    "/api/v1/namespaces/{namespace}/connections/{id}": {
      get: { summary: "A connection as flows of the namespace see it: its own, else the nearest parent's", parameters: [ns, path("id")], responses: { 200: json("connection"), 404: error("no such connection here or in a parent") } },
      put: {
        summary: "Create or replace a connection: {type, values, description?}; secret fields as {{ secret('NAME') }} references only",
        parameters: [ns, path("id")],
        requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["type", "values"], properties: { type: { type: "string" }, values: { type: "object" }, description: { type: "string" } }, additionalProperties: false } } } },
        responses: { 200: json("the connection, with changed: false when it was already so"), 400: error("bad id or body"), 422: error("unknown type, a missing or refused field, a secret field given as a value, a missing secret") },
      },
      delete: { summary: "Delete a connection of the namespace: true, or false when there was none", parameters: [ns, path("id")], responses: { 200: json("boolean", { type: "boolean" }) } },
    },
    "/api/v1/namespaces/{namespace}/connections/{id}/test": {
      post: { summary: "Open the connection once with its type's test(): {ok: true, durationMs} or {ok: false, message}", parameters: [ns, path("id")], responses: { 200: json("{ok, durationMs?, message?}"), 404: error("no such connection"), 422: error("its type has no test, or a secret is missing") } },
    },
    "/api/v1/workers": { get: { summary: "Live workers and what they run", responses: { 200: json("workers", { type: "array" }) } } },
    "/api/v1/server/info": {
      get: {
        summary: "This server: version, role, each backend's type and whether it answers a read (UP or DOWN, with why), plugins and live workers (what `ferry doctor` shows)",
        responses: { 200: json("{name, version, role, backends: [{kind, type, status, message?}], plugins: [{name, version}], workers}") },
      },
    },
    "/api/v1/flows/{namespace}/{id}/graph": {
      get: {
        summary: "A flow's topology (Kestra's FlowGraph): nodes, edges with their relation, clusters for flowable tasks, errors and finally",
        parameters: [ns, path("id"), query("revision", "a revision", { type: "integer" })],
        responses: { 200: json("the graph", { $ref: "#/components/schemas/FlowGraph" }), 404: error("not found") },
      },
    },
    "/api/v1/executions/kill/by-ids": {
      delete: {
        summary: "Kill executions by id: all or none (any that cannot be killed makes it 422 naming them)",
        requestBody: idsBody,
        responses: { 200: json("{count}", { $ref: "#/components/schemas/BulkResponse" }), 400: error("not a list of ids"), 422: json("{message, invalids: [{key, message}]}", { $ref: "#/components/schemas/BulkError" }) },
      },
    },
    "/api/v1/executions/resume/by-ids": {
      post: {
        summary: "Resume PAUSED executions by id, without inputs: all or none (any not PAUSED, or whose Pause needs an input, makes it 422 naming them)",
        requestBody: idsBody,
        responses: { 200: json("{count}", { $ref: "#/components/schemas/BulkResponse" }), 400: error("not a list of ids"), 422: json("{message, invalids: [{key, message}]}", { $ref: "#/components/schemas/BulkError" }) },
      },
    },
    "/api/v1/executions/restart/by-ids": {
      post: {
        summary: "Restart FAILED, KILLED or PAUSED executions by id: all or none (any that cannot be restarted makes it 422 naming them)",
        requestBody: idsBody,
        responses: { 200: json("{count}", { $ref: "#/components/schemas/BulkResponse" }), 400: error("not a list of ids"), 422: json("{message, invalids: [{key, message}]}", { $ref: "#/components/schemas/BulkError" }) },
      },
    },
    "/api/v1/executions/statistics/daily": {
      post: {
        summary: "Executions started in a range, per day: counts per state and durations (Kestra's DailyExecutionStatistics; the last 30 days by default, at most 366)",
        requestBody: statisticsBody,
        responses: { 200: json("one entry per day", { type: "array", items: { $ref: "#/components/schemas/DailyStatistics" } }), 400: error("bad body"), 422: error("range over 366 days") },
      },
    },
    "/api/v1/executions/statistics/flows": {
      post: {
        summary: "Executions started in a range, per flow: counts per state and durations (for the slowest and most failing flows)",
        requestBody: statisticsBody,
        responses: { 200: json("one entry per flow", { type: "array", items: { $ref: "#/components/schemas/FlowStatistics" } }), 400: error("bad body"), 422: error("range over 366 days") },
      },
    },
    "/api/v1/plugins/{type}": {
      get: {
        summary: "A task or trigger type's documentation (Kestra's {markdown, schema}): the Markdown page `ferry plugin docs` writes, its properties' and outputs' JSON Schema, examples",
        parameters: [path("type", "type name or alias")],
        responses: { 200: json("the documentation", { $ref: "#/components/schemas/PluginDoc" }), 404: error("no such type") },
      },
    },
    "/": { get: { summary: "Redirects to the web UI (/ui/); when the UI is not built, a page saying how to build it (503). Open: no data", responses: { 302: { description: "to /ui/" }, 503: { description: "the UI is not built" } } } },
    "/docs": { get: { summary: "Redirects to the web UI's API page (/ui/api)", responses: { 302: { description: "to /ui/api" } } } },
    "/ui": { get: { summary: "Redirects to /ui/", responses: { 302: { description: "to /ui/" } } } },
    "/ui/": { get: { summary: "The web UI (open: its files hold no data; what it shows comes from /api/v1, behind server.auth)", responses: { 200: { description: "index.html" }, 503: { description: "the UI is not built" } } } },
    "/ui/{path}": {
      get: {
        summary: "A file of the web UI's build, or index.html for a page of the app (open: no data)",
        parameters: [path("path", "file or page path")],
        responses: { 200: { description: "the file" }, 404: error("no such hashed asset"), 503: { description: "the UI is not built" } },
      },
    },
  },
  components: {
    schemas: {
      Error: { type: "object", required: ["message"], properties: { message: { type: "string" }, errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" }, line: { type: "integer" } } } } } },
      FlowGraph: {
        type: "object",
        properties: {
          nodes: { type: "array", items: { type: "object", required: ["uid", "type"], properties: { uid: { type: "string" }, type: { enum: ["start", "end", "task", "trigger", "cluster-end"] }, taskId: { type: "string" }, taskType: { type: "string" }, kind: { enum: ["runnable", "flowable", "subflow", "execution"] }, subflow: { type: "object", properties: { namespace: { type: "string" }, flowId: { type: "string" } } }, disabled: { type: "boolean" } } } },
          edges: { type: "array", items: { type: "object", properties: { source: { type: "string" }, target: { type: "string" }, relation: { type: "object", properties: { relationType: { enum: ["SEQUENTIAL", "PARALLEL", "CHOICE", "ERROR", "FINALLY"] }, value: { type: "string" } } } } } },
          clusters: { type: "array", items: { type: "object", properties: { cluster: { type: "object", properties: { uid: { type: "string" }, taskId: { type: "string" }, type: { enum: ["flowable", "errors", "finally", "triggers"] } } }, nodes: { type: "array", items: { type: "string" } }, parents: { type: "array", items: { type: "string" } }, start: { type: "string" }, end: { type: "string" } } } },
        },
      },
      BulkResponse: { type: "object", required: ["count"], properties: { count: { type: "integer" } } },
      BulkError: { type: "object", properties: { message: { type: "string" }, invalids: { type: "array", items: { type: "object", properties: { key: { type: "string" }, message: { type: "string" } } } } } },
      Duration: { type: "object", description: "seconds", properties: { min: { type: "number" }, avg: { type: "number" }, max: { type: "number" }, sum: { type: "number" }, count: { type: "integer" } } },
      DailyStatistics: { type: "object", properties: { startDate: { type: "string", format: "date" }, duration: { $ref: "#/components/schemas/Duration" }, executionCounts: { type: "object", additionalProperties: { type: "integer" } }, groupBy: { const: "day" } } },
      FlowStatistics: { type: "object", properties: { namespace: { type: "string" }, flowId: { type: "string" }, duration: { $ref: "#/components/schemas/Duration" }, executionCounts: { type: "object", additionalProperties: { type: "integer" } } } },
      PluginDoc: {
        type: "object",
        properties: {
          type: { type: "string" }, kind: { enum: ["task", "trigger"] }, taskKind: { type: ["string", "null"] }, title: { type: "string" }, description: { type: ["string", "null"] }, aliases: { type: "array", items: { type: "string" } },
          plugin: { type: ["object", "null"], properties: { name: { type: "string" }, version: { type: "string" } } }, examples: { type: "array", items: { type: "object", properties: { title: { type: "string" }, flow: { type: "string" } } } },
          markdown: { type: "string" }, schema: { type: "object", properties: { properties: { type: "object" }, outputs: { type: "object" } } },
        },
      },
      Execution: {
        type: "object",
        properties: {
          id: { type: "string" }, namespace: { type: "string" }, flowId: { type: "string" }, flowRevision: { type: "integer" },
          state: { type: "object", properties: { current: { type: "string" }, histories: { type: "array" } } },
          inputs: { type: "object" }, outputs: { type: "object" }, labels: { type: "array" }, trigger: { type: "object" },
          taskRunList: { type: "array", items: { type: "object" } },
          parentId: { type: "string", description: "the execution this one was replayed from, or its subflow parent, or the execution of the Loop it is an iteration of" },
          kind: { type: "string", enum: ["LOOP"], description: "LOOP: one iteration of a Loop task (absent: a normal execution)" },
          loopRun: { type: "object", description: "a LOOP execution's iteration: taskId, taskRunId (the Loop's task run in parentId), index, value, key, parents (the enclosing Loops' items, outermost first)" },
          metadata: { type: "object", description: "attemptNumber (1, then the next at each restart, markAs or retry in a new execution), originalCreatedDate (when the first execution of its chain was created), taskRunStatistic {count, durationSumMs, durationMinMs, durationMaxMs}: the task runs of its Loops' iterations (sub-executions, at any depth), which taskRunList does not hold; absent without Loop iterations" },
          variables: { type: "object", description: "the execution's variables once SetVariables or UnsetVariables changed them; absent until then" },
          originalId: { type: "string", description: "the first execution of its chain of replays and retries" },
        },
      },
      Labels: { type: "array", items: { type: "object", required: ["key", "value"], properties: { key: { type: "string" }, value: { type: "string" } }, additionalProperties: false } },
    },
  },
} as const;
