import { describe, expect, it } from "vitest";
import type { RenderContext } from "./evaluator.js";
import { ExpressionError } from "./expression.error.js";
import { renderString } from "./render.js";

/*
 * The functions of Kestra's expression docs that need no runtime (the engine adds secret, kv,
 * read, the file functions and errorLogs), with the values of
 * core/src/test/java/io/kestra/core/runners/pebble/** and the docs (04.function.md, index.md).
 */
const r = (template: string, variables: Record<string, unknown> = {}) => renderString(template, { variables });

describe("render and renderOnce", () => {
  // PebbleVariableRendererTest.recursive
  const vars = {
    first: "1",
    second: "{{first}}",
    third: "{{second}}",
    fourth: "{{render(third, recursive=false)}}",
    map: { third: "{{third}}" },
    list: ["{{third}}"],
  };

  it("renders a value again, once or until it no longer changes (PebbleVariableRendererTest.recursive)", async () => {
    expect(await r("{{ third }}", vars)).toBe("{{second}}");
    expect(await r("{{ render(third, recursive=false) }}", vars)).toBe("{{first}}");
    expect(await r("{{ render(third) }}", vars)).toBe("1");
    expect(await r("{{ render(fourth) }}", vars)).toBe("1");
    expect(await r("{{ map }}", vars)).toBe('{"third":"{{third}}"}');
    expect(await r("{{ render(map, recursive=false) }}", vars)).toBe('{"third":"{{second}}"}');
    expect(await r("{{ render(map) }}", vars)).toBe('{"third":"1"}');
    expect(await r("{{ render(list, recursive=false) }}|{{ render(list) }}", vars)).toBe('["{{second}}"]|["1"]');
  });

  it("gives up after 100 passes (recursiveRenderingAmountLimit)", async () => {
    await expect(r("{{ render(first) }}", { first: "{{second}}", second: "{{first}}" })).rejects.toThrow(/Too many rendering attempts/);
  });

  it("returns what is not text as it is (RenderFunctionTest)", async () => {
    expect(await r("{{ render(input) }}", { input: "test" })).toBe("test");
    expect(await r("{{ render(input) }}", { input: 42 })).toBe("42");
    expect(await r("{{ render(input) }}", { input: true })).toBe("true");
    expect(await r("{{ render(input) }}", { input: null })).toBe("");
    await expect(r("{{ render(input, recursive='yes') }}", { input: "x" })).rejects.toThrow(/recursive' with type boolean/);
  });

  it("renderOnce is render(x, recursive=false) (docs 04.function.md)", async () => {
    expect(await r("{{ renderOnce(vars.a) }}", { vars: { a: "{{ vars.b }}", b: 42 } })).toBe("42");
    expect(await r("{{ renderOnce(vars.a) }}", { vars: { a: "{{ vars.b }}", b: "{{ vars.c }}" } })).toBe("{{ vars.c }}");
  });

  it("sees the context's variables, not the template's set variables, and keeps raw blocks raw", async () => {
    await expect(r("{% set local = 1 %}{{ render('{{ local }}') }}")).rejects.toThrow(/local/);
    expect(await r("{{ render(t) }}", { t: "{% raw %}{{ kept }}{% endraw %} {{ x }}", x: "done" })).toBe("{{ kept }} done");
    // docs, string concatenation: variables that hold expressions over inputs
    const variables = {
      inputs: { date: "2024-02-24T22:00:00.000Z", user: "Rick" },
      vars: {
        day_of_week: "{{ trigger.date ?? inputs.date | date('EEEE') }}",
        full_date: "{{ vars.day_of_week }}, the {{ trigger.date ?? inputs.date | date('yyyy-MM-dd') }}",
        greeting_concat: "{{'Hello, ' ~ inputs.user ~ ' on ' ~ vars.full_date }}",
      },
    };
    expect(await r("{{ render(vars.greeting_concat) }}", variables)).toBe("Hello, Rick on Saturday, the 2024-02-24");
    expect(await r("{{ render(vars.greeting_concat, recursive=false) }}", variables)).toBe("Hello, Rick on {{ vars.day_of_week }}, the {{ trigger.date ?? inputs.date | date('yyyy-MM-dd') }}");
  });

  it("never renders what secret() returned, however many passes (SecretRecursiveRenderingTest)", async () => {
    const ctx: RenderContext = {
      variables: { v: "{{ secret('pebble-expression-secret') }}" },
      functions: { secret: () => "value_{{ not_a_variable }}_end" },
    };
    expect(await renderString("{{ render(v) }}", ctx)).toBe("value_{{ not_a_variable }}_end");
    expect(await renderString("{{ render(secret('x')) }}", ctx)).toBe("value_{{ not_a_variable }}_end");
  });
});

describe("other functions", () => {
  it("fromJson, json, yaml (docs 04.function.md)", async () => {
    expect(await r("{{ fromJson('[1, 2, 3]')[0] }}|{{ fromJson('{\"foo\": [666, 1, 2]}').foo[0] }}")).toBe("1|666");
    expect(await r(`{{ fromJson('{"bar": "\\u0063\\u0327"}').bar }}`)).toBe("c\u0327");
    expect(await r("{{ fromJson(null) }}|{{ json('{\"a\": 1}').a }}")).toBe("|1");
    await expect(r("{{ fromJson('{nope') }}")).rejects.toThrow(/is not JSON/);
    expect(await r("{{ yaml('foo: [666, 1, 2]').foo[0] }}|{{ yaml(t).a.b }}", { t: "a:\n  b: deep" })).toBe("666|deep");
    await expect(r("{{ yaml('a: [') }}")).rejects.toThrow(/invalid YAML/);
  });

  it("fromIon reads the first value, or every one with allRows (FromIonFunctionTest)", async () => {
    expect(await r("{{ fromIon('{date:2024-04-21T23:00:00.000Z, title:\"Main_Page\",views:109787}').title }}")).toBe("Main_Page");
    expect(await r("{{ fromIon(null) }}")).toBe("");
    const rows = "{id:0,name:\"john\"}\n{id:9,name:\"john\"}";
    expect(await r("{{ fromIon(rows, allRows=true) }}", { rows })).toBe('[{"id":0,"name":"john"},{"id":9,"name":"john"}]');
    expect(await r("{{ fromIon(rows) }}", { rows })).toBe('{"id":0,"name":"john"}');
    await expect(r("{{ fromIon() }}")).rejects.toThrow(ExpressionError);
    await expect(r("{{ fromIon('{not: ion') }}")).rejects.toThrow(/invalid Ion/);
  });

  // EnvFunction: reads the envs variable (ENV_-prefixed environment variables, lower-cased names)
  it("env(name, default) reads the envs variable, falling back to the default when absent or empty (EnvFunction)", async () => {
    const envs = { envs: { foo: "bar", empty: "" } };
    expect(await r("{{ env('foo') }}", envs)).toBe("bar");
    expect(await r("{{ env(name='foo', default='x') }}", envs)).toBe("bar");
    expect(await r("{{ env('missing', 'fallback') }}", envs)).toBe("fallback");
    expect(await r("{{ env('empty', default='fallback') }}", envs)).toBe("fallback");
    // the names are lower-cased in envs, as Kestra keys them; the lookup itself is exact
    expect(await r("{{ env('FOO') ?? 'none' }}", envs)).toBe("none");
    expect(await r("{{ env('foo') }}|{{ envs.foo }}", envs)).toBe("bar|bar");
    expect(await r("{{ env('foo', 'd') }}", {})).toBe("d");
    await expect(r("{{ env() }}", envs)).rejects.toThrow("The 'env' function expects an argument 'name'.");
  });

  it("printContext shows the context's variables (PrintContextFunctionTest)", async () => {
    const printed = JSON.parse(await r("{{ printContext() }}", { test: "value", array: ["a", "b", "c"] }));
    expect(printed).toEqual({ test: "value", array: ["a", "b", "c"] });
  });

  it("currentEachOutput reads a sibling's outputs for the current loop values (CurrentEachOutputFunction, docs)", async () => {
    const outputs = { first: { "value 1": { value: "first of 1" }, "value 2": { value: "first of 2" } } };
    expect(await r("{{ currentEachOutput(outputs.first).value }}", { outputs, taskrun: { value: "value 2" } })).toBe("first of 2");
    // three levels: parents nearest first, looked up outermost first
    const nested = { first: { a: { x: { "1": { value: "a/x/1" } } } } };
    expect(await r("{{ currentEachOutput(outputs.first).value }}", { outputs: nested, taskrun: { value: "1" }, parents: [{ taskrun: { value: "x" } }, { taskrun: { value: "a" } }] })).toBe("a/x/1");
    await expect(r("{{ currentEachOutput('x') }}", { taskrun: {} })).rejects.toThrow(/with type map/);
  });

  it("parentOutput reads the direct parent's outputs, or parents[] from the outermost by index (ParentOutputFunction, ParentOutputFunctionTest)", async () => {
    // a task in an If inside a ForEach: the If's outputs under its loop value
    const outputs = { if: { "1": { evaluationResult: true }, "2": { evaluationResult: false } }, value: { some: "output" } };
    const inLoop = { outputs, parent: { task: { id: "if" }, taskrun: { value: "2" } }, parents: [{ task: { id: "if" }, taskrun: { value: "2" } }] };
    expect(await r("{{ parentOutput() }}", inLoop)).toBe('{"evaluationResult":false}');
    // a task in a ForEach inside an If: parents nearest first, the index counts from the outermost
    const nested = { outputs: { if: { evaluationResult: true }, each: { "3": { x: 1 } } }, parents: [{ task: { id: "each" }, taskrun: { value: "3" } }, { task: { id: "if" } }] };
    expect(await r("{{ parentOutput(0) }}", nested)).toBe('{"evaluationResult":true}');
    expect(await r("{{ parentOutput(1).x }}", nested)).toBe("1");
    await expect(r("{{ parentOutput(2) }}", nested)).rejects.toThrow(/Invalid index: 2 for parents size: 2/);
    await expect(r("{{ parentOutput('a') }}", nested)).rejects.toThrow(/expects an argument 'index' of type integer/);
    await expect(r("{{ parentOutput() }}", { outputs: {} })).rejects.toThrow(/enclosing task/);
  });

  it("iterationOutput reads a task's value from an earlier iteration under the enclosing loop values (IterationOutputFunction, IterationOutputTest)", async () => {
    const sums = { "1": { value: "101" }, "3": { value: "101" }, "5": { value: "206" } };
    const vars = { task: { id: "sum" }, taskrun: { value: "10", iteration: 3 }, outputs: { sum: { "100": sums }, other: { "100": { "1": { value: "x" } } } }, parents: [{ task: { id: "each" }, taskrun: { value: "100" } }] };
    expect(await r("{{ iterationOutput() }}", vars)).toBe("206");
    expect(await r("{{ iterationOutput('sum', 0) }}", vars)).toBe("101");
    expect(await r("{{ iterationOutput(null, taskrun.iteration - 2) }}", vars)).toBe("101");
    expect(await r("{{ iterationOutput('other', 0) }}", vars)).toBe("x");
    expect(await r("{{ iterationOutput('absent', 0) }}", vars)).toBe("");
    await expect(r("{{ iterationOutput('sum', 3) }}", vars)).rejects.toThrow(/The provided index \(3\) is out of range.*Maximum valid index is 2/);
    await expect(r("{{ iterationOutput('sum', -1) }}", vars)).rejects.toThrow(/Cannot fetch iteration -1: no previous iteration exists/);
    await expect(r("{{ iterationOutput('sum', 1.5) }}", vars)).rejects.toThrow(/must be an integer, but got: 1.5/);
    await expect(r("{{ iterationOutput() }}", { task: { id: "sum" }, taskrun: { value: "1" }, outputs: {} })).rejects.toThrow(/inside iterative tasks only/);
  });

  it("iterationOutputs takes (iteration, taskId) and refuses a task without outputs on the loop path (IterationOutputsFunction, IterationOutputsTest)", async () => {
    const sums = { "1": { value: "101" }, "3": { value: "101" }, "5": { value: "206" } };
    const vars = { task: { id: "sum" }, taskrun: { value: "10", iteration: 3 }, outputs: { sum: { "100": sums } }, parents: [{ task: { id: "each" }, taskrun: { value: "100" } }] };
    expect(await r("{{ iterationOutputs() }}", vars)).toBe("206");
    expect(await r("{{ iterationOutputs(0, 'sum') }}", vars)).toBe("101");
    expect(await r("{{ iterationOutputs(taskrun.iteration - 2, null) }}", vars)).toBe("101");
    await expect(r("{{ iterationOutputs(3) }}", vars)).rejects.toThrow(/refers to the current iteration/);
    await expect(r("{{ iterationOutputs(4) }}", vars)).rejects.toThrow(/future iteration.*Maximum valid index is 2/);
    await expect(r("{{ iterationOutputs(0, 'absent') }}", vars)).rejects.toThrow(/taskId = absent has no execution outputs/);
    await expect(r("{{ iterationOutputs(0) }}", { ...vars, parents: [{ task: { id: "each" }, taskrun: { value: "200" } }] })).rejects.toThrow(/for the current iterative task runs path/);
  });

  it("outputFromIteration reads the current task's value from an earlier iteration, outside nested loops (OutputFromIterationFunction)", async () => {
    const vars = { task: { id: "sum_even" }, taskrun: { value: "10", iteration: 3 }, outputs: { sum_even: { "1": { value: "1" }, "3": { value: "1" }, "5": { value: "6" } } } };
    expect(await r("{{ outputFromIteration(2) }}", vars)).toBe("6");
    expect(await r("{{ outputFromIteration(taskrun.iteration - 3) }}", vars)).toBe("1");
    await expect(r("{{ outputFromIteration(3) }}", vars)).rejects.toThrow(/refers to the current iteration/);
    await expect(r("{{ outputFromIteration(4) }}", vars)).rejects.toThrow(/future iteration.*Maximum valid index is 2/);
    await expect(r("{{ outputFromIteration(-1) }}", vars)).rejects.toThrow(/no previous iteration exists/);
    await expect(r("{{ outputFromIteration(0) }}", { ...vars, parents: [{ task: { id: "outer" }, taskrun: { value: "a" } }] })).rejects.toThrow(/not supported inside nested loops/);
  });

  it("encrypt and decrypt with a base64 AES key, as Kestra's EncryptionService (AES/GCM, the IV first)", async () => {
    const key = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="; // 32 bytes
    const sealed = await r(`{{ encrypt('${key}', 'my secret') }}`);
    expect(Buffer.from(sealed, "base64").length).toBe(12 + 9 + 16);
    expect(await r(`{{ decrypt('${key}', '${sealed}') }}`)).toBe("my secret");
    expect(await r(`{{ decrypt(key='${key}', encrypted=encrypt(key='${key}', plaintext='x')) }}`)).toBe("x");
    // written by Kestra's EncryptionService.encrypt with this key (IV 000102030405060708090a0b)
    const fromJava = Buffer.concat([Buffer.from("000102030405060708090a0b", "hex"), await javaLikeSeal(key, "000102030405060708090a0b", "hello")]).toString("base64");
    expect(await r(`{{ decrypt('${key}', '${fromJava}') }}`)).toBe("hello");
    await expect(r(`{{ decrypt('${Buffer.alloc(32, 1).toString("base64")}', '${sealed}') }}`)).rejects.toThrow(/does not open with this key/);
    await expect(r("{{ encrypt('c2hvcnQ=', 'x') }}")).rejects.toThrow(/5 bytes once decoded; an AES key is 16, 24 or 32/);
  });

  it("nanoId and ksuid (NanoIDFunction, KSUIDFunction)", async () => {
    expect(await r("{{ nanoId() }}")).toMatch(/^[0-9A-Za-z_-]{21}$/);
    expect(await r("{{ nanoId(length=5) }} {{ nanoId(8, 'ab') }}")).toMatch(/^[0-9A-Za-z_-]{5} [ab]{8}$/);
    // the alphabet's length minus one masks each random byte, as in Kestra: "abc" never gives 'b'
    expect(await r("{{ nanoId(200, 'abc') }}")).toMatch(/^[ac]{200}$/);
    await expect(r("{{ nanoId(1001) }}")).rejects.toThrow(/'length' must be lower than: 1000/);
    const [a, b] = (await r("{{ ksuid() }} {{ ksuid() }}")).split(" ");
    expect(a).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(a).not.toBe(b);
    // its first four bytes are the seconds since KSUID's epoch, 2014-05-13T16:53:20Z
    const value = [...a].reduce((n, c) => n * 62n + BigInt("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".indexOf(c)), 0n);
    expect(Math.abs(Number(value >> 128n) - (Date.now() / 1000 - 1_400_000_000))).toBeLessThan(5);
  });

  it("id (IDFunction): IdUtils.create, a random version 4 UUID in FriendlyId's base 62", async () => {
    const [a, b] = (await r("{{ id() }} {{ id() }}")).split(" ");
    expect(a).toMatch(/^[0-9A-Za-z]{1,22}$/);
    expect(a).not.toBe(b);
    const value = [...a].reduce((n, c) => n * 62n + BigInt("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".indexOf(c)), 0n);
    // the UUID's version nibble is 4 and its variant bits 10
    expect(Number((value >> 76n) & 0xfn)).toBe(4);
    expect(Number((value >> 62n) & 0x3n)).toBe(2);
    await expect(r("{{ id(1) }}")).rejects.toThrow(/function 'id' takes no arguments/);
  });

  it("max, min, range, uuid, randomInt (docs)", async () => {
    expect(await r("{{ max(20, 80, 30) }}|{{ min(20, 80, 30) }}|{{ range(0, 3) }}|{{ range(0, 6, 2) }}")).toBe("80|20|[0,1,2,3]|[0,2,4,6]");
    expect(await r("{{ uuid() }}")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const n = Number(await r("{{ randomInt(1, 10) }}"));
    expect(n >= 1 && n < 10 && Number.isInteger(n)).toBe(true);
  });
});

describe("network functions", () => {
  it("http() answers the response body, JSON parsed, and refuses a failed status (HttpFunctionTest, docs)", async () => {
    const { createServer } = await import("node:http");
    const seen: Array<{ method?: string; url?: string; body: string; type?: string }> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, body, type: req.headers["content-type"] });
        if (req.url?.startsWith("/missing")) {
          res.writeHead(404, "Not Found").end();
          return;
        }
        if (req.url?.startsWith("/text")) {
          res.writeHead(200, { "content-type": "text/plain" }).end("plain text");
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{ slug: "beauty" }, { slug: "fragrances" }]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect(await r("{{ http(uri = base ~ '/products/categories') | jq('.[].slug') }}", { base })).toBe('["beauty","fragrances"]');
      expect(await r("{{ http(uri = base ~ '/text') }}", { base })).toBe("plain text");
      expect(await r("{{ http(uri = base ~ '/post', method = 'post', body = {'a': 1}, query = {'q': 'x y'}, headers = {'X-Test': 'yes'})[0].slug }}", { base })).toBe("beauty");
      expect(seen.at(-1)).toEqual({ method: "POST", url: "/post?q=x+y", body: '{"a":1}', type: "application/json" });
      await expect(r("{{ http(uri = base ~ '/missing') }}", { base })).rejects.toThrow(/server respond with status 404 : Not Found/);
      await expect(r("{{ http(uri = base, options = {'timeout': 'PT1S'}) }}", { base })).rejects.toThrow(/'options' .* is not supported by Ferry yet/);
      await expect(r("{{ http(uri = 'file:///etc/passwd') }}")).rejects.toThrow(/only http and https/);
    } finally {
      server.close();
    }
  });

  it("randomPort() gives a port nothing listens on", async () => {
    const port = Number(await r("{{ randomPort() }}"));
    expect(port > 0 && port < 65536).toBe(true);
  });
});

/** AES-GCM as Java's Cipher writes it (ciphertext then 128-bit tag), through Node's own crypto: a second implementation to read */
async function javaLikeSeal(keyBase64: string, ivHex: string, text: string): Promise<Buffer> {
  const { createCipheriv } = await import("node:crypto");
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), Buffer.from(ivHex, "hex"));
  return Buffer.concat([cipher.update(text, "utf8"), cipher.final(), cipher.getAuthTag()]);
}

// core/src/test/java/io/kestra/core/runners/pebble/functions/LoopOutputsFunctionTest.java
describe("loopOutputs", () => {
  const loop = {
    outputs: [
      { item: { value: "a", iteration: 1 }, outputs: { uri: "s3://bucket/a" } },
      { item: { value: "b", iteration: 2 }, outputs: { uri: "s3://bucket/b" } },
      { item: { value: "c", iteration: 3 }, outputs: {} },
    ],
  };
  it("extracts one output of every iteration, null where an iteration lacks it", async () => {
    expect(await r("{{ loopOutputs(outputs.myLoop.outputs, 'uri') }}", { outputs: { myLoop: loop } })).toBe('["s3://bucket/a","s3://bucket/b",null]');
    expect(await r("{{ loopOutputs(outputs=outputs.myLoop.outputs, name='uri') | length }}", { outputs: { myLoop: loop } })).toBe("3");
  });
  it("refuses what is no list, and a missing name, with Kestra's messages", async () => {
    await expect(r("{{ loopOutputs(null, 'uri') }}")).rejects.toThrow(/expects a non-null argument 'outputs'/);
    await expect(r("{{ loopOutputs('x', 'uri') }}")).rejects.toThrow(/expects 'outputs' to be a list/);
    await expect(r("{{ loopOutputs([], 1) }}")).rejects.toThrow(/expects 'name' to be a string/);
  });
});
