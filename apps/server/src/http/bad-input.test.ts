import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

/** One test per cause of a 500 (or of a silently wrong answer) a fuzzer found: each is now a 4xx naming the problem. */
let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy(`id: typed\nnamespace: bad.input\ninputs:\n  - { id: n, type: INT, required: false }\n  - { id: f, type: FLOAT, required: false }\n  - { id: j, type: JSON, required: false }\ntasks:\n  - { id: log, type: core.Log, message: "{{ inputs.n }}" }\n`);
});
afterAll(async () => t?.close());

async function refused(response: Response, status: number, words: RegExp): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  expect((JSON.parse(text) as { message: string }).message).toMatch(words);
}
const yaml = { "content-type": "application/x-yaml" };
const json = { "content-type": "application/json" };
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);

describe("bad input answers 4xx with a message, never 500", () => {
  it("POST /flows/validate on invalid YAML reports the error of each document", async () => {
    const response = await t.api("/flows/validate", { method: "POST", headers: yaml, body: "id: a\nnamespace: [unclosed\n---\nid: b\nnamespace: ok.ns\ntasks: []\n" });
    expect(response.status).toBe(200);
    const results = (await response.json()) as Array<{ index: number; constraints: string | null; errors: Array<{ message: string; line?: number }> }>;
    expect(results).toHaveLength(2);
    expect(results[0].constraints).toMatch(/invalid YAML/);
    expect(results[0].errors[0].line).toBeGreaterThan(0);
    expect(results[1].index).toBe(1);
  });

  it("POST /flows/validate names a typo and a property Ferry does not honour, with its line; POST /flows refuses them", async () => {
    const source = "id: typo\nnamespace: bad.input\nlisteners: [{ conditions: [], tasks: [{ id: l, type: core.Log, message: l }] }]\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n    levle: WARN\n";
    const [result] = (await (await t.api("/flows/validate", { method: "POST", headers: yaml, body: source })).json()) as Array<{ errors: Array<{ path: string; line: number; message: string }> }>;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "tasks[0].levle", line: 8, message: "unknown property 'levle'" }),
        expect.objectContaining({ path: "listeners[0].conditions", line: 3, message: expect.stringContaining("not supported by Ferry yet: listener conditions") }),
      ]),
    );
    await refused(await t.api("/flows", { method: "POST", headers: yaml, body: source }), 422, /not supported by Ferry yet: listener conditions.*and 1 more problem/);
    expect((await t.api("/flows/bad.input/typo")).status).toBe(404);
  });

  it("a YAML alias bomb is 422, in a flow and in validate", async () => {
    const bomb = `id: bomb\nnamespace: bad.input\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\ntasks: []\n`;
    await refused(await t.api("/flows", { method: "POST", headers: yaml, body: bomb }), 422, /aliases expand too far/);
    const validated = (await (await t.api("/flows/validate", { method: "POST", headers: yaml, body: bomb })).json()) as Array<{ constraints: string }>;
    expect(validated[0].constraints).toMatch(/aliases expand too far/);
  });

  it("a key written twice is 422 by name and line, in a flow and in validate; a map of 20,000 keys does not stall the server", async () => {
    const twice = "id: twice\nnamespace: bad.input\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: a\n    message: b\n";
    await refused(await t.api("/flows", { method: "POST", headers: yaml, body: twice }), 422, /^invalid YAML: Duplicate field 'message': the keys of a map must be unique \(line 7\)$/);
    const [validated] = (await (await t.api("/flows/validate", { method: "POST", headers: yaml, body: twice })).json()) as Array<{ errors: Array<{ message: string; line: number }> }>;
    expect(validated.errors).toEqual([{ message: "Duplicate field 'message': the keys of a map must be unique", line: 7 }]);
    // quadratic (the yaml library's own check), 20,000 keys held the event loop 6 s per read, and a deploy reads its source several times
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: v\n`).join("");
    const big = `id: big\nnamespace: bad.input\nvariables:\n${keys}tasks:\n  - { id: log, type: io.kestra.plugin.core.log.Log, message: hi }\n`;
    expect((await t.api("/flows/validate", { method: "POST", headers: yaml, body: big })).status).toBe(200);
    expect((await t.api("/flows", { method: "POST", headers: yaml, body: big })).status).toBe(200);
  }, 15_000);

  it("nesting past the limit is refused by name in YAML and JSON flows, KV bodies and inputs", async () => {
    const flowYaml = `id: deep\nnamespace: bad.input\ntasks: []\nvariables:\n  x: ${deep(5000)}\n`;
    for (const body of [flowYaml, `id: deep\nnamespace: bad.input\ntasks: []\nvariables:\n  x: ${deep(300)}\n`]) {
      const response = await t.api("/flows", { method: "POST", headers: yaml, body });
      expect(response.status).toBe(422);
      const { message } = (await response.json()) as { message: string };
      expect(message).not.toMatch(/call stack/i);
    }
    await refused(await t.api("/flows", { method: "POST", headers: json, body: `{"id":"deep","namespace":"bad.input","tasks":[],"variables":{"x":${deep(100_000)}}}` }), 400, /nested more than 256 levels/);
    await refused(await t.api("/namespaces/bad.input/kv/deep", { method: "PUT", headers: json, body: deep(100_000) }), 400, /nested more than 256 levels/);
    await refused(await t.api("/executions/bad.input/typed", { method: "POST", headers: json, body: `{"j": ${deep(10_000)}}` }), 400, /nested more than 256 levels/);
    await refused(await t.api("/executions/bad.input/typed", { method: "POST", headers: json, body: JSON.stringify({ j: deep(10_000) }) }), 422, /input 'j'.*nested more than 256 levels/);
  });

  it("names too long for a file system are 400 naming the limit", async () => {
    const long = "k".repeat(300);
    await refused(await t.api(`/namespaces/bad.input/kv/${long}`, { method: "PUT", headers: json, body: "1" }), 400, /KV key too long: 300 characters, at most 200/);
    await refused(await t.api(`/namespaces/${"n".repeat(300)}/kv/key`, { method: "PUT", headers: json, body: "1" }), 400, /namespace too long/);
    await refused(await t.api(`/namespaces/${"n".repeat(300)}/kv`), 400, /namespace too long/);
    await refused(await t.api(`/namespaces/bad.input/files?path=${long}.txt`, { method: "PUT", body: "x" }), 400, /too long.*at most 200 per path segment/);
    await refused(await t.api(`/namespaces/bad.input/files?path=${"d/".repeat(600)}f.txt`, { method: "PUT", body: "x" }), 400, /storage key too long/);
    const run = (await (await t.api("/executions/bad.input/typed?wait=true", { method: "POST" })).json()) as { id: string };
    await refused(await t.api(`/executions/${run.id}/file?path=${encodeURIComponent(`ferry://${long}`)}`), 400, /at most 200 per path segment/);
  });

  it("a multipart body that does not parse is 400", async () => {
    const headers = { "content-type": "multipart/form-data; boundary=xyz" };
    await refused(await t.api("/executions/bad.input/typed", { method: "POST", headers, body: "--xyz\r\ngarbage without headers" }), 400, /form body does not parse/);
    await refused(await t.api("/namespaces/bad.input/files?path=a.txt", { method: "PUT", headers, body: "not a form at all" }), 400, /multipart form does not parse|fileContent/);
  });

  it("page, size and revision out of range are 400 naming the parameter", async () => {
    await refused(await t.api("/executions/search?page=99999999999999999999"), 400, /page='99999999999999999999' must be a whole number from 1 to 1000000/);
    await refused(await t.api("/flows/search?page=-1"), 400, /page/);
    await refused(await t.api("/flows/search?size=abc"), 400, /size='abc'/);
    await refused(await t.api("/triggers/search?size=1001"), 400, /size/);
    await refused(await t.api("/flows/bad.input/typed?revision=abc"), 400, /revision='abc'/);
  });

  it("a ttl header out of range is 400; a ttl that is not a duration too", async () => {
    await refused(await t.api("/namespaces/bad.input/kv/ttl", { method: "PUT", headers: { ...json, ttl: "P99999999999Y" }, body: "1" }), 400, /ttl 'P99999999999Y' is out of range/);
    await refused(await t.api("/namespaces/bad.input/kv/ttl", { method: "PUT", headers: { ...json, ttl: "soon" }, body: "1" }), 400, /not an ISO-8601 duration/);
  });

  it("startDate and endDate are applied, and refused when they are not dates", async () => {
    await refused(await t.api("/executions/search?startDate=notadate"), 400, /startDate='notadate' is not an ISO-8601 date-time/);
    await refused(await t.api("/executions/search?endDate=2026-13-45"), 400, /endDate/);
    const done = (await (await t.api("/executions/bad.input/typed?wait=true", { method: "POST" })).json()) as { id: string };
    const ids = async (query: string) => ((await (await t.api(`/executions/search?namespace=bad.input&${query}`)).json()) as { results: Array<{ id: string }> }).results.map((e) => e.id);
    expect(await ids("startDate=2000-01-01T00:00:00Z")).toContain(done.id);
    expect(await ids("startDate=2999-01-01T00:00:00Z")).toEqual([]);
    expect(await ids("endDate=2000-01-01T00:00:00Z")).toEqual([]);
  });

  it("labels filter the execution search (every one given); one not key:value is 400", async () => {
    const started = (await (await t.api("/executions/bad.input/typed?labels=team:search&labels=tier:gold&wait=true", { method: "POST" })).json()) as { id: string };
    const ids = async (query: string) => ((await (await t.api(`/executions/search?namespace=bad.input&${query}`)).json()) as { results: Array<{ id: string }> }).results.map((e) => e.id);
    expect(await ids("labels=team:search")).toEqual([started.id]);
    expect(await ids("labels=team:search&labels=tier:gold")).toEqual([started.id]);
    expect(await ids("labels=team:nomatch")).toEqual([]);
    await refused(await t.api("/executions/search?labels=nocolon"), 400, /label 'nocolon' is not key:value/);
  });

  it("an INT beyond Kestra's Integer and a FLOAT beyond a double are 422, not rounded", async () => {
    await refused(await t.api("/executions/bad.input/typed", { method: "POST", headers: json, body: '{"n": 99999999999999999999999}' }), 422, /input 'n' \(INT\).*out of range for an INT/);
    await refused(await t.api("/executions/bad.input/typed", { method: "POST", headers: json, body: '{"n": "99999999999999999999999"}' }), 422, /out of range for an INT/);
    await refused(await t.api("/executions/bad.input/typed", { method: "POST", headers: json, body: '{"f": "1e999"}' }), 422, /out of range for a FLOAT/);
    const ok = await t.api("/executions/bad.input/typed", { method: "POST", headers: json, body: '{"n": 2147483647}' });
    expect(ok.status).toBe(200);
  });

  it("an answer sent before the body was read (413, 401, 404) closes the connection, so the next request is answered", async () => {
    const small = await startTestFerry({ server: { port: 0, maxBodySize: 1000 } });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${small.ferry.url}/api/v1/flows`, { method: "POST", headers: yaml, body: "x".repeat(3_000_000) });
        expect(response.status).toBe(413);
        expect(response.headers.get("connection")).toBe("close");
        expect(((await response.json()) as { message: string }).message).toMatch(/request body over 1000 bytes/);
      }
    } finally {
      await small.close();
    }
  });

  it("NUL in a path or query is 400, a control character in a flow is 422 naming its line", async () => {
    await refused(await t.api("/flows/bad.input/a%00b"), 400, /NUL character/);
    await refused(await t.api("/executions/search?labels=a:%00"), 400, /NUL character/);
    await refused(await t.api("/flows", { method: "POST", headers: yaml, body: "id: nul\nnamespace: bad.input\ntasks:\n  - { id: log, type: core.Log, message: \"a\u0000b\" }\n" }), 422, /control character U\+0000 at line 4/);
  });

  it("a label with NUL or a lone surrogate is refused (PostgreSQL and MySQL would answer 500 for every execution)", async () => {
    await refused(await t.api("/flows", { method: "POST", headers: yaml, body: 'id: labelled\nnamespace: bad.input\nlabels: { team: "a\\0b" }\ntasks:\n  - { id: log, type: core.Log, message: hi }\n' }), 422, /label team holds a character that cannot be stored \(U\+0000/);
    await refused(await t.api("/flows", { method: "POST", headers: yaml, body: 'id: labelled\nnamespace: bad.input\nlabels: { "\\ud800": x }\ntasks:\n  - { id: log, type: core.Log, message: hi }\n' }), 422, /U\+D800/);
    // a label given with the API (or a backfill, a trigger) is held to the same rule
    const flow = await t.ferry.deps.flows.get("bad.input", "typed");
    await expect(t.ferry.deps.executions.create({ flow, inputs: {}, labels: { team: "a\u0000b" } })).rejects.toThrow(/label team holds a character that cannot be stored/);
    await expect(t.ferry.deps.executions.create({ flow, inputs: {}, labels: { "\ud800": "x" } })).rejects.toThrow(/U\+D800/);
    expect((await t.api("/executions/bad.input/typed?labels=team:%ED%A0%80x", { method: "POST" })).status).toBeLessThan(500);
  });

  it("a namespace file that would be a file and a folder at once is 409, either way round", async () => {
    expect((await t.api("/namespaces/bad.input/files?path=/both", { method: "PUT", body: "x" })).status).toBe(200);
    await refused(await t.api("/namespaces/bad.input/files?path=/both/child", { method: "PUT", body: "y" }), 409, /collides/);
    expect((await t.api("/namespaces/bad.input/files?path=/dir/child", { method: "PUT", body: "y" })).status).toBe(200);
    await refused(await t.api("/namespaces/bad.input/files?path=/dir", { method: "PUT", body: "x" }), 409, /collides/);
    expect((await t.api("/namespaces/bad.input/files?path=/dir")).status).toBe(404);
  });

  it("HEAD on a webhook starts nothing (405): a link previewer must not run a flow", async () => {
    await t.deploy("id: hooked\nnamespace: bad.input\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: head-key }\n");
    const count = async () => ((await (await t.api("/executions/search?namespace=bad.input&flowId=hooked")).json()) as { total: number }).total;
    const before = await count();
    const head = await t.api("/executions/webhook/bad.input/hooked/head-key", { method: "HEAD" });
    expect(head.status).toBe(405);
    expect(head.headers.get("allow")).toBe("GET, POST, PUT");
    expect(await count()).toBe(before);
    expect((await t.api("/executions/webhook/bad.input/hooked/head-key", { method: "POST" })).status).toBe(200);
  });

  it("dates that are not on the calendar, numbers in other notations and a ttl not in the future are refused", async () => {
    await refused(await t.api("/executions/search?startDate=2026-02-30T00:00:00Z"), 400, /startDate/);
    for (const n of ['"0x10"', '"1e3"', "[5]", '""']) {
      const response = await t.api("/executions/bad.input/typed", { method: "POST", headers: json, body: `{"n": ${n}}` });
      if (n === '""') continue; // an empty value is no value: the optional input stays null
      expect(response.status, n).toBe(422);
    }
    for (const ttl of ["-PT1S", "PT0S"]) await refused(await t.api("/namespaces/bad.input/kv/ttl", { method: "PUT", headers: { ...json, ttl }, body: "1" }), 400, /longer than zero/);
  });

  it("headers too large for Node's parser answer 431 with a JSON message", async () => {
    const response = await fetch(`${t.ferry.url}/api/v1/flows/search`, { headers: { "x-big": "x".repeat(20_000) } });
    expect(response.status).toBe(431);
    expect(((await response.json()) as { message: string }).message).toMatch(/headers too large/);
  });

  it("a KV body 1e999 is 400 naming the range, not 'null is not a NUMBER'", async () => {
    await refused(await t.api("/namespaces/bad.input/kv/big", { method: "PUT", headers: json, body: "1e999" }), 400, /number out of range/);
    await refused(await t.api("/namespaces/bad.input/kv/big", { method: "PUT", headers: json, body: '{"a": [-1e400]}' }), 400, /number out of range/);
  });
});
