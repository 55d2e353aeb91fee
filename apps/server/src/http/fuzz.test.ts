import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlTestDatabase, MYSQL_URL } from "../../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../../../repository-backends/postgres/src/test-database.test-support.js";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { openApiDocument } from "./openapi.js";

/**
 * Property-based fuzzing of the whole API through a real server: random and mutated valid
 * requests on every route of the OpenAPI document. Whatever comes in, the answer is never a
 * 500, every error is JSON `{message}`, the server stays up and its memory stays bounded.
 * FERRY_FUZZ_RUNS sets the number of requests (CI: the default below).
 */
const RUNS = Number(process.env.FERRY_FUZZ_RUNS ?? 3000);
const NS = "fuzz.team";
const FLOW = `id: hello\nnamespace: ${NS}\ninputs:\n  - { id: n, type: INT, required: false }\n  - { id: when, type: DATETIME, required: false }\n  - { id: doc, type: JSON, required: false }\n  - { id: upload, type: FILE, required: false }\ntasks:\n  - { id: log, type: core.Log, message: "n={{ inputs.n }}" }\n  - { id: out, type: core.OutputValues, values: { v: "{{ inputs.n }}" } }\noutputs:\n  - { id: v, type: STRING, value: "{{ outputs.out.values.v }}" }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: fuzz-key }\n  - { id: nightly, type: core.trigger.Schedule, cron: "0 3 * * *", disabled: true }\n`;

/** where the fuzzer runs: local mode's embedded backends, and the shared databases with Redis when their URLs are set */
const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
if (!REDIS_URL) console.warn("\n*** SKIPPING fuzzing on PostgreSQL/MariaDB + Redis: set FERRY_TEST_REDIS_URL ***\n");
const TARGETS: Array<{ name: string; enabled: boolean; config(): Promise<{ config: Record<string, unknown>; drop(): Promise<void> }> }> = [
  { name: "local (SQLite, memory queue)", enabled: true, config: async () => ({ config: {}, drop: async () => undefined }) },
  ...[
    { name: "PostgreSQL + Redis", enabled: !!POSTGRES_URL, type: "postgres", create: createPostgresTestDatabase },
    { name: "MariaDB + Redis", enabled: !!MYSQL_URL, type: "mysql", create: createMysqlTestDatabase },
  ].map((db) => ({
    name: db.name,
    enabled: db.enabled && !!REDIS_URL,
    config: async () => {
      const database = await db.create();
      const prefix = `ferry-fuzz-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
      return { config: { repository: { type: db.type, url: database.url }, queue: { type: "redis", url: REDIS_URL, prefix } }, drop: database.drop };
    },
  })),
];

let t: TestFerry;
let executionId = "";
let fileUri = "";

/** a server with a flow, one ended execution with an uploaded file, a KV pair and a namespace file to aim at */
async function startTarget(config: Record<string, unknown>): Promise<void> {
  t = await startTestFerry(config);
  await t.deploy(FLOW);
  const form = new FormData();
  form.set("n", "7");
  form.set("upload", new Blob(["a,b\n1,2\n"]), "data.csv");
  const started = (await (await t.api(`/executions/${NS}/hello?wait=true`, { method: "POST", body: form })).json()) as { id: string; inputs: { upload: string } };
  executionId = started.id;
  fileUri = started.inputs.upload;
  await t.api(`/namespaces/${NS}/kv/greeting`, { method: "PUT", headers: { "content-type": "application/json" }, body: '"hello"' });
  await t.api(`/namespaces/${NS}/files?path=/scripts/a.sh`, { method: "PUT", body: "echo hi" });
}

/** [method, path template] of every documented operation; the streams are fuzzed without waiting for their end */
const OPERATIONS = Object.entries(openApiDocument.paths).flatMap(([path, item]) => Object.keys(item).map((method) => [method.toUpperCase(), path] as const));

/** a value from a short list of meaningful ones, or something random */
const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const weird = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  pick("..", ".", "%2e%2e", "%00", "%ff", "a/b", "a%2Fb", "", " ", "-1", "0", "1e999", "99999999999999999999", "NaN", "null", "true", "__proto__", "constructor"),
  fc.nat({ max: 400 }).map((n) => "x".repeat(n)),
);
const pathParam = (name: string) =>
  fc.oneof(
    { weight: 3, arbitrary: pick(...({ namespace: [NS, "fuzz", "company.team"], id: ["hello", "nope"], flowId: ["hello", "nope"], key: ["fuzz-key", "greeting", "nope"], triggerId: ["hook", "nightly"], name: ["SECRET_X", "x"], executionId: ["EXEC"] } as Record<string, string[]>)[name] ?? ["EXEC", "x"]) },
    { weight: 2, arbitrary: weird },
  );
/** every query parameter the OpenAPI document names (a parameter added later is fuzzed without an edit here), and a few it does not */
const documentedQueryKeys = Object.values(openApiDocument.paths).flatMap((item) =>
  Object.values(item as Record<string, { parameters?: Array<{ name: string; in: string }> }>).flatMap((operation) => (operation.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name)),
);
const QUERY_KEYS = [...new Set([...documentedQueryKeys, "delete", "sort", "filters[q]"])];
const queryValue = fc.oneof(weird, pick("1", "25", "1000", "SUCCESS", "FAILED,RUNNING", "2026-01-01T00:00:00Z", "INFO", "team:a", "FILE", "LOOP", "NORMAL", "PT1S"), fc.constant("FILE_URI"), fc.constant("EXEC_ID"));
/** a few parameters, or one repeated hundreds of times (1,000 `labels` were a 500: SQLite's expression depth) */
const query = fc.oneof(
  { weight: 9, arbitrary: fc.array(fc.tuple(pick(...QUERY_KEYS), queryValue), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.tuple(pick(...QUERY_KEYS), queryValue, fc.integer({ min: 100, max: 1500 })).map(([key, value, n]) => Array.from({ length: n }, (_, i) => [key, key === "labels" ? `k${i}:v` : value] as [string, string])) },
);

/** small edits of a valid text: the mutated requests of a fuzzer */
const mutated = (text: string) =>
  fc.array(fc.tuple(fc.nat({ max: text.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 4 }).map((edits) => {
    let out = text;
    for (const [at, cut, insert] of edits) out = out.slice(0, at) + insert + out.slice(at + cut);
    return out;
  });
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const bomb = `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`;
/** escapes that decode to what databases refuse: NUL, a lone surrogate, other controls */
const escapes = pick("\\0", "\\ud800", "\\udfff", "\\u0000", "\\x07", "\\u001b");
const escapedFlow = escapes.map((e) => FLOW.replace("tasks:\n", `labels: { "k${e}": "v${e}" }\nvariables: { x: "${e}" }\ntasks:\n`));
const escapedJson = escapes.map((e) => `{"n": 3, "doc": {"${e}": "${e}"}, "labels": {"a": "${e}"}, "start": "2026-01-01T00:00:00Z", "value": "${e}"}`);
const multipart = (parts: string) => `--fz\r\n${parts}\r\n--fz--\r\n`;

interface Body {
  contentType?: string;
  body?: string | Uint8Array;
}
const bodies: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({}),
  fc.record({ contentType: pick("application/x-yaml", "text/plain"), body: fc.oneof(fc.constant(FLOW), mutated(FLOW), fc.constant(bomb + FLOW), escapedFlow, fc.nat({ max: 6000 }).map((n) => `${FLOW}variables:\n  x: ${deep(n)}\n`)) }),
  // many items where a route takes a list (labels, ids, keys): each may cost a statement or a line
  fc.record({ contentType: fc.constant("application/json"), body: fc.integer({ min: 100, max: 5000 }).chain((n) => pick(
    JSON.stringify(Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "v" }))),
    JSON.stringify(Array.from({ length: n }, (_, i) => `id${i}`)),
    JSON.stringify(Array.from({ length: n }, (_, i) => ({ namespace: NS, id: `f${i}` }))),
    JSON.stringify({ executionsId: Array.from({ length: n }, (_, i) => `id${i}`), executionLabels: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "v" })) }),
    JSON.stringify({ keys: Array.from({ length: n }, (_, i) => `k${i}`) }),
    JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  )) }),
  fc.record({ contentType: fc.constant("application/json"), body: fc.oneof(fc.json({ maxDepth: 4 }), mutated('{"n": 3, "when": "2026-01-01T00:00:00Z", "doc": {"a": [1]}}'), pick("1e999", '"PT1H"', "[]", "{", '{"disabled": true}', '{"start": "2026-01-01T00:00:00Z"}', '{"value": "s3cr3t"}'), fc.nat({ max: 100_000 }).map(deep), escapedJson) }),
  fc.record({
    contentType: pick("multipart/form-data; boundary=fz", "multipart/form-data", "multipart/form-data; boundary="),
    body: fc.oneof(
      fc.constant(multipart('Content-Disposition: form-data; name="n"\r\n\r\n5')),
      fc.constant(multipart('Content-Disposition: form-data; name="fileContent"; filename="x.txt"\r\n\r\nhello')),
      mutated(multipart('Content-Disposition: form-data; name="upload"; filename="f.csv"\r\nContent-Type: text/csv\r\n\r\na,b')),
      fc.string({ maxLength: 200 }),
    ),
  }),
  fc.record({ contentType: pick("application/x-www-form-urlencoded", "application/octet-stream", "garbage/;;", "application/json; charset=nope"), body: fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })) }),
);
const headers = fc.record({ ttl: fc.option(fc.oneof(weird, pick("PT1H", "P99999999999Y", "-PT1S", "P1D")), { nil: undefined }), "idempotency-key": fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) }, { requiredKeys: [] });

const requests = fc.record({
  operation: fc.constantFrom(...OPERATIONS),
  values: fc.array(fc.oneof(pathParam("namespace"), pathParam("id"), pathParam("key"), pathParam("executionId")), { minLength: 4, maxLength: 4 }),
  query,
  body: bodies,
  headers,
  method: fc.option(pick("PATCH", "HEAD", "OPTIONS"), { freq: 20, nil: undefined }),
  /** Kestra's spelling with a tenant in the path (`main` is Ferry's one tenant), or another tenant, or none */
  tenant: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constant("main") }, { weight: 1, arbitrary: weird }),
});

function urlOf(path: string, values: string[], pairs: Array<[string, string]>, tenant?: string): string {
  let i = 0;
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[i++ % values.length];
    const known = name === "id" && path.startsWith("/api/v1/executions") ? "EXEC" : value;
    const real = known === "EXEC" ? executionId : known;
    return encodeURIComponent(real).replace(/%25(2e|2F|00|ff)/gi, "%$1");
  });
  const search = new URLSearchParams(pairs.map(([k, v]) => [k, v === "FILE_URI" ? fileUri : v === "EXEC_ID" ? executionId : v]));
  const spelled = tenant === undefined ? filled : filled.replace(/^\/api\/v1\//, `/api/v1/${encodeURIComponent(tenant)}/`);
  return `${t.ferry.url}${spelled}${pairs.length ? `?${search}` : ""}`;
}

for (const target of TARGETS) {
  describe.skipIf(!target.enabled)(`API fuzzing, ${target.name}`, () => {
    let drop: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      const made = await target.config();
      drop = made.drop;
      await startTarget(made.config);
    }, 60_000);
    afterAll(async () => {
      await t?.close();
      await drop();
    });

    it(`answers ${RUNS} random and mutated requests without a 500, every error JSON {message}`, async () => {
      const rssBefore = process.memoryUsage().rss;
      // every failing request is kept (not only the first, shrunk): one run shows every cause
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(requests, async ({ operation: [documented, path], values, query: pairs, body, headers: extra, method, tenant }) => {
          const verb = method ?? documented;
          const url = urlOf(path, values, pairs, tenant);
          const init: RequestInit = { method: verb, headers: { ...(body.contentType ? { "content-type": body.contentType } : {}), ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) } };
          if (body.body !== undefined && !["GET", "HEAD", "OPTIONS"].includes(verb)) init.body = body.body as BodyInit;
          let response: Response;
          try {
            response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
          } catch (error) {
            // a header value fetch itself refuses to send is the client's problem, not the server's
            if (error instanceof TypeError && !/fetch failed/.test(error.message)) return;
            failures.push(`${verb} ${url} ${JSON.stringify(init.headers)} ${String(init.body).slice(0, 80)}: ${(error as Error).message} ${String((error as Error).cause)}`);
            return;
          }
          const type = response.headers.get("content-type") ?? "";
          if (type.includes("event-stream")) {
            await response.body?.cancel();
            return;
          }
          const text = await response.text();
          // 501 is deliberate, not a fault: this deployment does not do that (full-text log search
          // without a history store of its own, history with history.type none)
          if (response.status >= 500 && response.status !== 501) failures.push(`${verb} ${url} [${body.contentType}] ${String(body.body).slice(0, 120)}: ${response.status} ${text.slice(0, 200)}`);
          else if (response.status >= 400 && verb !== "HEAD") {
            let message: unknown;
            try {
              message = (JSON.parse(text) as { message?: unknown }).message;
            } catch {
              message = undefined;
            }
            if (typeof message !== "string" || !message) failures.push(`${verb} ${url}: ${response.status} without a JSON message: ${text.slice(0, 200)}`);
          }
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: 240_000, markInterruptAsFailure: false },
      );
      expect(failures.slice(0, 20)).toEqual([]);
      expect((await fetch(`${t.ferry.url}/health`)).status).toBe(200);
      // bounded: thousands of requests, some of them megabytes of nesting, leave no lasting growth
      const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
      expect(grownMb).toBeLessThan(500);
    }, 300_000);
  });
}
