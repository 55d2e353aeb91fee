import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../ferry.js";

let ferry: FerryServer;
let dir: string;
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const yaml = (body: string, method = "POST") => ({ method, body, headers: { "content-type": "application/x-yaml" } });
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-api-"));
  const config = configSchema.parse({ server: { port: 0, maxBodySize: 64 * 1024 } });
  ferry = await startFerry({ config, baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

const HELLO = `id: hello
namespace: api.test
inputs:
  - { id: name, type: STRING, defaults: World }
  - { id: times, type: INT, required: false }
tasks:
  - id: greet
    type: core.OutputValues
    values:
      message: "Hello {{ inputs.name }}"
  - id: log
    type: core.Log
    message: "{{ outputs.greet.values.message }}"
outputs:
  - { id: message, type: STRING, value: "{{ outputs.greet.values.message }}" }
`;

describe("flows API", () => {
  it("creates, refuses a duplicate, revises only on change, lists revisions, searches and deletes", async () => {
    const created = await json(await api("/flows", yaml(HELLO)));
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ id: "hello", namespace: "api.test", revision: 1, source: HELLO });
    expect((await json(await api("/flows", yaml(HELLO)))).status).toBe(409);
    expect((await json(await api("/flows/api.test/hello", yaml(HELLO, "PUT")))).body.revision).toBe(1);
    const changed = HELLO.replace("Hello", "Hi");
    expect((await json(await api("/flows/api.test/hello", yaml(changed, "PUT")))).body.revision).toBe(2);
    expect((await json(await api("/flows/api.test/hello/revisions"))).body.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);
    expect((await json(await api("/flows/api.test/hello?revision=1"))).body.source).toBe(HELLO);
    const search = await json(await api("/flows/search?namespace=api"));
    expect(search.body.total).toBe(1);
    await api("/flows/api.test/hello", yaml(HELLO, "PUT"));

    await api("/flows", yaml(HELLO.replace("id: hello", "id: doomed")));
    expect((await api("/flows/api.test/doomed", { method: "DELETE" })).status).toBe(204);
    expect(await json(await api("/flows/api.test/doomed"))).toMatchObject({ status: 404, body: { message: "flow api.test.doomed not found" } });
  });

  it("answers 422 with path, message and line for invalid flows", async () => {
    const bad = await json(await api("/flows", yaml("id: x\nnamespace: api.test\ntasks:\n  - id: a\n    type: acme.Nope\n")));
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ path: "tasks[0].type", message: "unknown task type 'acme.Nope'; loaded plugins: @ferry/plugin-core, @ferry/plugin-script", line: 5 }]);
    const broken = await json(await api("/flows", yaml("id: x\nnamespace: [\n")));
    expect(broken.status).toBe(422);
    expect(broken.body.message).toMatch(/invalid YAML/);
    const mismatch = await json(await api("/flows/api.test/other", yaml(HELLO, "PUT")));
    expect(mismatch.status).toBe(422);
  });

  it("validates several documents at once", async () => {
    const result = await json(await api("/flows/validate", yaml(`${HELLO}---\nid: y\nnamespace: a\ntasks: []\n`)));
    expect(result.body).toHaveLength(2);
    expect(result.body[0].constraints).toBeNull();
    expect(result.body[1].constraints).toMatch(/at least one task/);
  });
});

describe("executions API", () => {
  it("runs a flow with JSON inputs and ?wait=true, answering Kestra's shape with values from storage", async () => {
    const r = await json(await api("/executions/api.test/hello?wait=true", { method: "POST", body: JSON.stringify({ name: "Ferry" }), headers: { "content-type": "application/json" } }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ namespace: "api.test", flowId: "hello", state: { current: "SUCCESS" }, inputs: { name: "Ferry", times: null }, outputs: { message: "Hello Ferry" } });
    expect(r.body.taskRunList.map((t: { taskId: string }) => t.taskId)).toEqual(["greet", "log"]);
    expect(r.body.taskRunList[0]).toMatchObject({ outputs: { values: { message: "Hello Ferry" } }, attempts: [{ state: { current: "SUCCESS" } }] });
    const logs = await json(await api(`/logs/${r.body.id}?taskId=log`));
    expect(logs.body.map((l: { message: string }) => l.message)).toEqual(["Hello Ferry"]);
    expect((await json(await api(`/logs/${r.body.id}?minLevel=ERROR`))).body).toEqual([]);
  });

  it("numbers a loop's own children in `iteration`, as Kestra's TaskRun.iteration (ForEachTest.iteration, foreach-iteration.yaml)", async () => {
    await api("/flows", yaml(`id: foreach-iteration
namespace: api.test
tasks:
  - id: foreach
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2]
    tasks:
      - { id: first, type: core.OutputValues, values: { iteration: "{{ taskrun.iteration }}" } }
      - id: inner
        type: core.Sequential
        tasks:
          - { id: second, type: core.OutputValues, values: { value: "{{ parent.taskrun.value }}" } }
`));
    const r = await json(await api("/executions/api.test/foreach-iteration?wait=true", { method: "POST" }));
    expect(r.body.state.current).toBe("SUCCESS");
    const runs = (taskId: string) => r.body.taskRunList.filter((t: { taskId: string }) => t.taskId === taskId);
    expect(runs("first").map((t: { iteration?: number }) => t.iteration)).toEqual([0, 1]);
    expect(runs("first").map((t: { outputs: { values: { iteration: string } } }) => t.outputs.values.iteration)).toEqual(["0", "1"]);
    expect(runs("inner").map((t: { iteration?: number }) => t.iteration)).toEqual([0, 1]);
    // deeper task runs and the loop itself have none, as Kestra's FlowableUtils.resolveEachTasks sets it on the loop's children only
    expect(runs("second").map((t: { iteration?: number }) => t.iteration)).toEqual([undefined, undefined]);
    expect(runs("foreach")[0].iteration).toBeUndefined();
  });

  it("shows a flowable task run's attempt as Kestra 1.2 does: RUNNING from its start, then its end state (ExitTest.shouldExitAndFailNestedIf)", async () => {
    await api("/flows", yaml(`id: exit-nested
namespace: api.test
tasks:
  - id: outer
    type: core.If
    condition: "{{ true }}"
    then:
      - id: inner
        type: core.If
        condition: "{{ false }}"
        then:
          - { id: never, type: core.Log, message: never }
        else:
          - { id: stop, type: io.kestra.plugin.core.execution.Exit, state: FAILED }
`));
    const r = await json(await api("/executions/api.test/exit-nested?wait=true", { method: "POST" }));
    expect(r.body.state.current).toBe("FAILED");
    const run = (taskId: string) => r.body.taskRunList.find((t: { taskId: string }) => t.taskId === taskId);
    for (const taskId of ["outer", "inner"]) {
      expect(run(taskId).state.current).toBe("FAILED");
      expect(run(taskId).attempts).toHaveLength(1);
      expect(run(taskId).attempts[0].state.histories.map((h: { state: string }) => h.state)).toEqual(["RUNNING", "FAILED"]);
    }
    expect(run("stop").attempts.map((a: { state: { current: string } }) => a.state.current)).toEqual(["FAILED"]);
  });

  it("takes multipart inputs and labels", async () => {
    const form = new FormData();
    form.set("name", "Form");
    form.set("times", "2");
    const r = await json(await api("/executions/api.test/hello?wait=true&labels=team:data", { method: "POST", body: form }));
    expect(r.body.inputs).toEqual({ name: "Form", times: 2 });
    // and Kestra's system labels: system.from api (ExecutionController.parseLabels), system.correlationId the execution's own id
    expect(r.body.labels).toEqual([{ key: "team", value: "data" }, { key: "system.from", value: "api" }, { key: "system.correlationId", value: r.body.id }]);
    // the system labels a caller may give (ExecutionController.parseLabels): system.from, as Kestra's UI gives `ui`, and
    // system.correlationId, a business key (Kestra's docs how-to-guides/idempotency); any other is refused
    const fromUi = await json(await api("/executions/api.test/hello?labels=system.from:ui", { method: "POST", body: form }));
    expect(fromUi.body.labels).toContainEqual({ key: "system.from", value: "ui" });
    const keyed = await json(await api("/executions/api.test/hello?wait=true&labels=system.correlationId:payment-ORD-123", { method: "POST", body: form }));
    expect(keyed.body.labels).toEqual([{ key: "system.from", value: "api" }, { key: "system.correlationId", value: "payment-ORD-123" }]);
    const byKey = await json(await api("/executions/search?namespace=api.test&labels=system.correlationId:payment-ORD-123"));
    expect(byKey.body.results.map((e: { id: string }) => e.id)).toEqual([keyed.body.id]);
    expect((await json(await api("/executions/api.test/hello?labels=system.correlationId:", { method: "POST", body: form }))).status).toBe(422);
    const forged = await json(await api("/executions/api.test/hello?labels=system.restarted:true", { method: "POST", body: form }));
    expect(forged.status).toBe(422);
  });

  it("refuses invalid inputs with 422 and creates no execution", async () => {
    const before = (await json(await api("/executions/search?namespace=api.test&flowId=hello"))).body.total;
    const r = await json(await api("/executions/api.test/hello", { method: "POST", body: JSON.stringify({ times: "many" }), headers: { "content-type": "application/json" } }));
    expect(r.status).toBe(422);
    const waited = await json(await api("/executions/api.test/hello?wait=true", { method: "POST", body: JSON.stringify({ times: "many" }), headers: { "content-type": "application/json" } }));
    expect(waited.status).toBe(422);
    expect(r.body.errors[0]).toMatchObject({ path: "inputs.times" });
    expect((await json(await api("/executions/search?namespace=api.test&flowId=hello"))).body.total).toBe(before);
  });

  it("pages a search by cursor: each page's next gives the one after it, every execution once; a forged cursor is 400", async () => {
    for (let i = 0; i < 5; i++) expect((await api("/executions/api.test/hello?wait=true&labels=cursor:yes", { method: "POST" })).status).toBe(200);
    const all = (await json(await api("/executions/search?labels=cursor:yes&size=50"))).body;
    expect(all.total).toBe(5);
    const seen: string[] = [];
    let next: string | undefined;
    for (let i = 0; i < 4; i++) {
      const page = (await json(await api(`/executions/search?labels=cursor:yes&size=2${next ? `&after=${next}` : ""}`))).body;
      seen.push(...page.results.map((e: { id: string }) => e.id));
      next = page.next;
      if (!next) break;
    }
    expect(seen).toEqual(all.results.map((e: { id: string }) => e.id));
    for (const bad of ["nope", Buffer.from("[1,2]").toString("base64url"), "", Buffer.from('["2026-01-01\\u0000","x"]').toString("base64url")]) {
      const r = await json(await api(`/executions/search?after=${bad}`));
      expect(r.status).toBe(400);
      expect(r.body.message).toContain("'after'");
    }
    expect((await api(`/executions/search?page=2&after=${next ?? encodeURIComponent(Buffer.from('["a","b"]').toString("base64url"))}`)).status).toBe(400);
  });

  it("answers 404 JSON for unknown flows and executions, 400 for a body that does not parse", async () => {
    expect(await json(await api("/executions/api.test/nope", { method: "POST" }))).toMatchObject({ status: 404, body: { message: "flow api.test.nope not found" } });
    expect((await json(await api("/executions/01234567-0000-7000-8000-000000000000"))).status).toBe(404);
    expect((await json(await api("/logs/01234567-0000-7000-8000-000000000000"))).status).toBe(404);
    const garbled = await json(await api("/executions/api.test/hello", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }));
    expect(garbled.status).toBe(400);
    expect(garbled.body.message).toMatch(/does not parse/);
    expect(JSON.stringify(garbled.body)).not.toMatch(/at .*\.js/);
  });

  it("searches executions by state with pages", async () => {
    const r = await json(await api("/executions/search?namespace=api.test&state=SUCCESS&size=1&page=1"));
    expect(r.body.total).toBeGreaterThanOrEqual(2);
    expect(r.body.results).toHaveLength(1);
    expect((await json(await api("/executions/search?state=BOGUS"))).status).toBe(400);
  });

  it("kills a running execution, then restarts it", async () => {
    await api("/flows", yaml("id: sleepy\nnamespace: api.test\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT30S }\n"));
    const started = await json(await api("/executions/api.test/sleepy", { method: "POST" }));
    for (let i = 0; i < 100; i++) {
      const e = await json(await api(`/executions/${started.body.id}`));
      if (e.body.taskRunList[0]?.state.current === "RUNNING") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await api(`/executions/${started.body.id}/kill`, { method: "DELETE" })).status).toBe(202);
    let state = "";
    for (let i = 0; i < 100 && state !== "KILLED"; i++) {
      state = (await json(await api(`/executions/${started.body.id}`))).body.state.current;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(state).toBe("KILLED");
    expect((await api(`/executions/${started.body.id}/kill`, { method: "DELETE" })).status).toBe(409);
    const restarted = await json(await api(`/executions/${started.body.id}/restart`, { method: "POST" }));
    // answered as Kestra's ExecutionService.restart returns it: RESTARTED, the source's history plus RESTARTED
    expect(restarted.body, JSON.stringify(restarted.body)).toMatchObject({ state: { current: "RESTARTED" } });
    expect(restarted.body.state.histories.map((h: { state: string }) => h.state)).toEqual(["CREATED", "RUNNING", "KILLING", "KILLED", "RESTARTED"]);
    // then the executor's handleRestart: RUNNING
    expect((await json(await api(`/executions/${started.body.id}`))).body.state.current).toBe("RUNNING");
    await api(`/executions/${started.body.id}/kill`, { method: "DELETE" });
  });

  it("restarts on a flow revision as a new execution (ExecutionServiceTest.restartSimpleRevision), refusing what cannot be", async () => {
    const flow = (format: string, method = "POST") => yaml(`id: rev\nnamespace: api.test\ntasks:\n  - { id: a, type: core.Return, format: "${format}" }\n  - { id: c, type: core.Log, message: "{{ taskrun.attemptsCount == 1 ? 'ok' : ko }}" }\n`, method);
    await api("/flows", flow("one"));
    const started = await json(await api("/executions/api.test/rev?wait=true", { method: "POST" }));
    expect(started.body.state.current).toBe("FAILED");
    const id = started.body.id;
    const refused = async (query: string) => json(await api(`/executions/${id}/restart${query}`, { method: "POST" }));
    // bad input answers a 4xx naming why, and changes nothing
    const notInteger = await refused("?revision=two");
    expect(notInteger.status).toBe(400);
    expect(notInteger.body.message).toMatch(/revision/);
    const unknown = await refused("?revision=9");
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/no revision 9/);
    expect((await refused("?revison=1")).status).toBe(400);
    const source = await json(await api(`/executions/${id}`));
    expect(source.body.state.current).toBe("FAILED");
    expect(source.body.labels).not.toContainEqual({ key: "system.restarted", value: "true" });
    expect((await json(await api(`/executions/search?flowId=rev&namespace=api.test`))).body.total).toBe(1);

    expect((await api("/flows/api.test/rev", flow("two", "PUT"))).status).toBeLessThan(300);
    const restarted = await refused("?revision=2");
    expect(restarted.status, JSON.stringify(restarted.body)).toBe(200);
    expect(restarted.body.id).not.toBe(id);
    expect(restarted.body.parentId).toBe(id);
    expect(restarted.body.flowRevision).toBe(2);
    expect(restarted.body.state.current).toBe("RESTARTED");
    expect(restarted.body.state.histories.map((h: { state: string }) => h.state)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED"]);
    expect(restarted.body.labels).toContainEqual({ key: "system.restarted", value: "true" });
    expect(restarted.body.taskRunList.map((r: { state: { current: string } }) => r.state.current)).toEqual(["SUCCESS", "RESTARTED"]);
    let end = "";
    for (let i = 0; i < 200 && end !== "SUCCESS"; i++) {
      end = (await json(await api(`/executions/${restarted.body.id}`))).body.state.current;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(end).toBe("SUCCESS");
    expect((await json(await api(`/executions/${id}`))).body.state.current).toBe("FAILED");
    // an execution that did not fail is not restarted, with or without a revision
    const ok = await json(await api(`/executions/${restarted.body.id}/restart?revision=2`, { method: "POST" }));
    expect(ok.status).toBe(409);
    expect(ok.body.message).toMatch(/SUCCESS; only FAILED, KILLED or PAUSED/);
  });

  it("follows an execution over server-sent events until it ends", async () => {
    await api("/flows", yaml("id: short\nnamespace: api.test\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT0.3S }\n"));
    const started = await json(await api("/executions/api.test/short", { method: "POST" }));
    const response = await api(`/executions/${started.body.id}/follow`);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await response.text();
    const states = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]).state.current);
    expect(states[states.length - 1]).toBe("SUCCESS");
    expect(states.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses bodies over the configured size with 413 JSON", async () => {
    const r = await json(await api("/flows", yaml(`id: big\nnamespace: a\ndescription: "${"x".repeat(70 * 1024)}"\ntasks:\n  - { id: a, type: core.Log, message: x }\n`)));
    expect(r.status).toBe(413);
    expect(r.body.message).toMatch(/over/);
  });
});

describe("service endpoints", () => {
  it("keeps an idle keep-alive connection 65 s, past the 60 s proxies keep theirs (Node's 5 s reset reused sockets)", async () => {
    expect((await fetch(`${ferry.url}/health`)).headers.get("keep-alive")).toBe("timeout=65");
  });

  it("answers health, lists workers, and documents every route in OpenAPI", async () => {
    expect(await json(await fetch(`${ferry.url}/health`))).toEqual({ status: 200, body: { status: "UP" } });
    expect((await json(await api("/workers"))).body).toHaveLength(1);
    const doc = (await json(await api("/openapi.json"))).body;
    // every route the app serves under /api/v1 (but the document itself) is in the document, with its method
    const served = ferry.app.routes
      .filter((r) => r.path.startsWith("/api/v1/") && r.path !== "/api/v1/openapi.json" && r.path !== "/api/v1/health" && r.method !== "ALL")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(served.length).toBeGreaterThan(15);
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    expect((await json(await api("/nothing/here"))).status).toBe(404);
  });
});
