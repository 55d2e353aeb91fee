import fc from "fast-check";
import { strFromU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";
import { MAX_UNPACKED_BYTES } from "./flow-archive.js";

/* Kestra's FlowController exportFlowsByQuery / exportFlowsByIds / importFlows, through a real server */
let t: TestFerry;
const flow = (namespace: string, id: string, message = "hi") => `id: ${id}\nnamespace: ${namespace}\ntasks:\n  - { id: log, type: core.Log, message: "${message}" }\n`;
const enc = (text: string) => new TextEncoder().encode(text);
const unzip = async (response: Response) => {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/octet-stream");
  expect(response.headers.get("content-disposition")).toBe('attachment; filename="flows.zip"');
  const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
  return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, strFromU8(bytes)]));
};
const upload = (name: string, bytes: Uint8Array | string, query = "") => {
  const form = new FormData();
  form.set("fileUpload", new Blob([typeof bytes === "string" ? enc(bytes) : (bytes as Uint8Array<ArrayBuffer>)]), name);
  return t.api(`/flows/import${query}`, { method: "POST", body: form });
};
const answer = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const sourceOf = async (namespace: string, id: string) => ((await (await t.api(`/flows/${namespace}/${id}`)).json()) as { source?: string; revision?: number });

beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy(flow("xfer.a", "one"));
  await t.deploy(flow("xfer.a.child", "two"));
  await t.deploy(flow("xfer.b", "three"));
});
afterAll(async () => t?.close());

describe("flow export", () => {
  it("by query: the flows of a namespace and its children, each `<namespace>-<id>.yml` holding its source", async () => {
    const files = await unzip(await t.api("/flows/export/by-query?namespace=xfer.a"));
    expect(files).toEqual({ "xfer.a-one.yml": flow("xfer.a", "one"), "xfer.a.child-two.yml": flow("xfer.a.child", "two") });
    expect(Object.keys(await unzip(await t.api("/flows/export/by-query?q=three")))).toEqual(["xfer.b-three.yml"]);
    expect((await answer(await t.api("/flows/export/by-query?labels=a:b"))).body.message).toMatch(/unknown query parameter 'labels'/);
  });

  it("by ids: `<namespace>.<id>.yaml` each; an unknown flow is a 404 naming it; a body that is no id list a 400", async () => {
    const ids = [{ namespace: "xfer.b", id: "three" }, { namespace: "xfer.a", id: "one" }];
    const files = await unzip(await t.api("/flows/export/by-ids", { method: "POST", body: JSON.stringify(ids), headers: { "content-type": "application/json" } }));
    expect(files).toEqual({ "xfer.b.three.yaml": flow("xfer.b", "three"), "xfer.a.one.yaml": flow("xfer.a", "one") });
    const missing = await answer(await t.api("/flows/export/by-ids", { method: "POST", body: JSON.stringify([{ namespace: "xfer.b", id: "nope" }]) }));
    expect(missing).toEqual({ status: 404, body: { message: "flow xfer.b.nope not found" } });
    expect(await answer(await t.api("/flows/export/by-ids", { method: "POST", body: '{"namespace":"xfer.b"}' }))).toEqual({ status: 400, body: { message: "the body must be a JSON array of {namespace, id}" } });
    expect((await answer(await t.api("/flows/export/by-ids", { method: "POST", body: '[{"namespace":"xfer.b","id":"three","rev":1}]' }))).body.message).toBe("[0]: unknown property 'rev' (an item is {namespace, id})");
  });
});

describe("flow import", () => {
  it("a zip (an export, edited) creates and updates its flows and answers the entries it could not import", async () => {
    const exported = await unzip(await t.api("/flows/export/by-query?namespace=xfer.a"));
    const zip = zipSync({
      ...Object.fromEntries(Object.entries(exported).map(([name, source]) => [name, enc(source.replace('"hi"', '"edited"'))])),
      "new/xfer.c-four.yaml": enc(flow("xfer.c", "four")),
      "bad/invalid.yml": enc("id: broken\nnamespace: xfer.c\ntasks: []\n"),
      "bad/not-yaml.yaml": enc("id: [unclosed\n"),
      "README.md": enc("not a flow: skipped"),
      "dir/": new Uint8Array(0),
    });
    const result = await answer(await upload("flows.zip", zip));
    expect(result).toEqual({ status: 200, body: ["bad/invalid.yml", "bad/not-yaml.yaml"] });
    expect(await sourceOf("xfer.a", "one")).toMatchObject({ source: flow("xfer.a", "one", "edited"), revision: 2 });
    expect(await sourceOf("xfer.c", "four")).toMatchObject({ source: flow("xfer.c", "four"), revision: 1 });
    // the same archive again changes nothing: no new revision of an unchanged source
    await upload("flows.zip", zip);
    expect((await sourceOf("xfer.a", "one")).revision).toBe(2);
  });

  it("a YAML file of --- separated flows; failOnError answers 422 naming the documents not imported and why, the others imported", async () => {
    const text = `${flow("xfer.d", "five")}---\nid: six\nnamespace: xfer.d\ntasks:\n  - { id: x, type: core.Nope }\n---\n${flow("xfer.d", "seven")}`;
    expect(await answer(await upload("flows.yaml", text))).toEqual({ status: 200, body: ["1"] });
    const strict = await answer(await upload("flows.yml", text.replace("five", "eight"), "?failOnError=true"));
    expect(strict.status).toBe(422);
    expect(strict.body.message).toBe("Following invalid flows were not imported: 1");
    expect(strict.body.errors).toEqual([{ path: "1", message: expect.stringMatching(/core\.Nope/) }]);
    expect((await sourceOf("xfer.d", "eight")).revision).toBe(1);
    // a document that is not YAML is one failed document, as Kestra's importFlows lists it; the others are imported
    const broken = await answer(await upload("flows.yaml", `${flow("xfer.g", "ok")}---\nid: [broken\n`, "?failOnError=true"));
    expect(broken.status).toBe(422);
    expect(broken.body.errors).toEqual([{ path: "1", message: expect.stringMatching(/YAML/i) }]);
    expect((await sourceOf("xfer.g", "ok")).revision).toBe(1);
  });

  it("refuses bad input naming what was wrong (4xx JSON), importing nothing", async () => {
    const refused = async (response: Response) => {
      const { status, body } = await answer(response);
      return `${status} ${body.message}`;
    };
    expect(await refused(await upload("flows.zip", "PK not really"))).toMatch(/^422 fileUpload "flows.zip" is not a readable zip archive: /);
    expect(await refused(await upload("flows.txt", flow("xfer.e", "x")))).toBe('422 Cannot import file of type .txt: fileUpload "flows.txt" must be a .zip archive or a .yaml / .yml file');
    expect((await t.api("/flows/xfer.e/ok")).status).toBe(404);
    const climbing = zipSync({ "ok.yaml": enc(flow("xfer.e", "ok")), "../../etc/evil.yaml": enc(flow("xfer.e", "evil")) });
    expect(await refused(await upload("flows.zip", climbing))).toBe('422 fileUpload "flows.zip": entry "../../etc/evil.yaml" has an absolute path or a \'..\' segment');
    expect(await refused(await upload("flows.zip", zipSync({ "/abs.yaml": enc(flow("xfer.e", "abs")) })))).toMatch(/entry "\/abs.yaml" has an absolute path/);
    expect(await refused(await t.api("/flows/import", { method: "POST", body: flow("xfer.e", "x"), headers: { "content-type": "application/x-yaml" } }))).toBe(
      "400 send the file as multipart/form-data, in a part named fileUpload",
    );
    const wrongPart = new FormData();
    wrongPart.set("file", new Blob([flow("xfer.e", "x")]), "f.yaml");
    expect(await refused(await t.api("/flows/import", { method: "POST", body: wrongPart }))).toBe("400 the multipart form needs a file part named fileUpload");
    expect(await refused(await upload("f.yaml", flow("xfer.e", "x"), "?failOnError=maybe"))).toMatch(/^400 .*failOnError/);
    expect((await t.api("/flows/xfer.e/ok")).status).toBe(404);
  });

  it("a zip bomb is refused once what it inflates passes the cap, whatever sizes its entries declare", async () => {
    const bomb = zipSync({ "big.yaml": new Uint8Array(MAX_UNPACKED_BYTES + 1).fill(0x61) }, { level: 9 });
    expect(bomb.length).toBeLessThan(1_000_000);
    const { status, body } = await answer(await upload("bomb.zip", bomb));
    expect(status).toBe(422);
    expect(body.message).toBe(`fileUpload "bomb.zip" unpacks to more than ${MAX_UNPACKED_BYTES} bytes of YAML (at entry "big.yaml")`);
    // the same stream with every size it declares (local header and central directory) set to 1 byte: the
    // bytes inflated are what is counted (before: the declared 1 passed the cap, and the inflater decoded
    // the whole stream on the event loop anyway — entries sharing one stream multiplied it)
    const liar = zipSync({ "liar.yaml": new Uint8Array(MAX_UNPACKED_BYTES + 1).fill(0x62) }, { level: 9 });
    const view = new DataView(liar.buffer);
    const cd = liar.length - 22 - (46 + "liar.yaml".length);
    view.setUint32(22, 1, true); // local header's uncompressed size
    view.setUint32(cd + 24, 1, true); // central directory's
    const lied = await answer(await upload("liar.zip", liar));
    expect(lied.status).toBe(422);
    expect(lied.body.message).toBe(`fileUpload "liar.zip" unpacks to more than ${MAX_UNPACKED_BYTES} bytes of YAML (at entry "liar.yaml")`);
  });

  it("takes the same credentials as the other flow routes", async () => {
    const secured = await startTestFerry({ server: { port: 0, auth: { tokens: ["s3cret-token-for-import"], basic: [] } } });
    try {
      const form = new FormData();
      form.set("fileUpload", new Blob([flow("xfer.g", "one")]), "f.yaml");
      expect((await secured.api("/flows/import", { method: "POST", body: form })).status).toBe(401);
      expect((await secured.api("/flows/export/by-query")).status).toBe(401);
      const ok = await secured.api("/flows/import", { method: "POST", body: form, headers: { authorization: "Bearer s3cret-token-for-import" } });
      expect(await ok.json()).toEqual([]);
    } finally {
      await secured.close();
    }
  });
});

describe("flow import, fuzzed", () => {
  it("whatever file comes in, the answer is a list of names (200) or a JSON 4xx with a message; never a 500", async () => {
    const yamlText = fc.oneof(
      fc.constant(flow("fuzz.xfer", "f")),
      fc.string({ maxLength: 200 }),
      fc.constantFrom("---", "id: [", "a: *b", "\u0000", "id: x\nnamespace: n\ntasks: {}", `${flow("fuzz.xfer", "g")}---\n---\n`),
    );
    const entryName = fc.oneof(fc.constantFrom("a.yaml", "b.yml", "dir/c.yaml", "../x.yaml", "/abs.yml", "C:\\w.yaml", "n.txt", "d/"), fc.string({ maxLength: 30 }).map((s) => `${s}.yaml`));
    const zipFile = fc.array(fc.tuple(entryName, yamlText), { maxLength: 5 }).map((entries) => zipSync(Object.fromEntries(entries.map(([n, s]) => [n, enc(s)]))));
    const mutatedZip = fc.tuple(zipFile, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 })).map(([zip, edits]) => {
      const copy = new Uint8Array(zip);
      for (const [at, value] of edits) if (copy.length) copy[at % copy.length] = value;
      return copy;
    });
    const file = fc.oneof(
      fc.tuple(fc.constantFrom("f.zip", "F.ZIP"), fc.oneof(zipFile, mutatedZip, fc.uint8Array({ maxLength: 300 }))),
      fc.tuple(fc.constantFrom("f.yaml", "f.yml", "f", "f.json", ".yaml", "f.zip.yaml"), yamlText.map(enc)),
    );
    const query = fc.constantFrom("", "?failOnError=true", "?failOnError=false", "?failOnError=", "?other=1");
    await fc.assert(
      fc.asyncProperty(file, query, async ([name, bytes], q) => {
        const response = await upload(name, bytes, q);
        const text = await response.text();
        expect(response.status, text).not.toBeGreaterThanOrEqual(500);
        const body = JSON.parse(text);
        if (response.status === 200) expect(Array.isArray(body) && body.every((n: unknown) => typeof n === "string")).toBe(true);
        else expect(typeof body.message).toBe("string");
      }),
      { numRuns: Number(process.env.FERRY_FUZZ_RUNS ?? 300) },
    );
  }, 120_000);
});
