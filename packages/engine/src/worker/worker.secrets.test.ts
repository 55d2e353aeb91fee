import { definePlugin, defineTask, z } from "@ferry/sdk";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { MASK } from "./secret-masker.js";

/*
 * A task that leaks the secret it was given in every common form, into every store Ferry
 * writes through its run context: logs, outputs, KV, files, metrics. What is stored holds
 * `******`, never the value in any of these forms.
 */
const SECRET = 'p@ss/w+rd "é" 42?';
const utf8 = (text: string) => new TextEncoder().encode(text);
const b64 = (text: string) => Buffer.from(text).toString("base64");
const FORMS: Record<string, string> = {
  plain: SECRET,
  upper: SECRET.toUpperCase(),
  lower: SECRET.toLowerCase(),
  json: JSON.stringify(SECRET).slice(1, -1),
  url: encodeURIComponent(SECRET),
  hex: Buffer.from(SECRET).toString("hex"),
  base64: b64(SECRET),
  base64bare: b64(SECRET).replace(/=+$/, ""),
  base64url: Buffer.from(SECRET).toString("base64url"),
};
// an HTTP Basic header: the secret's base64 shifted by "user:" (5 bytes), its neighbours' bits in the edge characters
const basic = `Basic ${b64(`user:${SECRET}`)}`;
/** what must appear nowhere in what Ferry stored */
const LEAKS = [...Object.values(FORMS), JSON.stringify(SECRET), b64(`user:${SECRET}`).slice(7, -4)];

const leak = defineTask({
  kind: "runnable",
  type: "test.Leak",
  title: "leaks its secret everywhere",
  properties: z.object({ secret: z.string() }),
  async run(ctx, { secret }) {
    expect(secret).toBe(SECRET); // the template rendered it: the worker knows it as this run's secret
    const uris: Record<string, string> = {};
    for (const [name, form] of Object.entries({ ...FORMS, basic })) {
      ctx.logger.info(`${name}: ${form}`);
      await ctx.kv.set(`leak.${name}`, `${name}: ${form}`);
      uris[name] = await ctx.putFile(`${name}.txt`, utf8(`${name}: ${form}\n`));
      ctx.metric(`leak.${name}.${form}`, 1, { tags: { form: `${name}: ${form}`, [form]: "key" } });
    }
    await ctx.kv.set("leak.nested", { nested: [FORMS.base64, { [SECRET]: FORMS.url }] });
    uris.text = await ctx.putFile("text.csv", `token,${SECRET}\n`);
    uris.named = await ctx.putFile(`file-${FORMS.base64url}.txt`, "x");
    uris.binary = await ctx.putFile("binary.bin", new Uint8Array([0xff, 0xfe, ...utf8(SECRET)]));
    return { forms: { ...FORMS, basic }, uris };
  },
});

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness([definePlugin({ name: "test", version: "0", tasks: [leak] })], { secrets: { LEAKY: SECRET, KEYISH: "key-from-secret" } })));
afterAll(async () => h?.close());

/** every file of the harness (the SQLite database and its journal, every storage object) but `except`, with its bytes */
async function storedFiles(dir: string, except: string[]): Promise<Array<{ path: string; text: string }>> {
  const files: Array<{ path: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && !except.some((e) => path.endsWith(e))) files.push({ path, text: (await readFile(path)).toString("utf8") });
  }
  return files;
}

describe("a run's secrets in what its task stores", () => {
  it("are masked in every form, in logs, outputs, KV values, files and metrics", async () => {
    const r = await h.run(`
id: leaks
namespace: test.secrets
tasks:
  - { id: leak, type: test.Leak, secret: "{{ secret('LEAKY') }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const names = [...Object.keys(FORMS), "basic"];

    // logs
    for (const name of names.filter((n) => n !== "basic")) expect(r.messages()).toContain(`${name}: ${MASK}`);
    expect(r.messages().find((m) => m.startsWith("basic: "))).toMatch(/^basic: Basic [A-Za-z0-9+/]{0,7}\*{6}[A-Za-z0-9+/=]{0,4}$/);

    // outputs
    const outputs = (await r.outputs("leak")) as { forms: Record<string, string>; uris: Record<string, string> };
    for (const name of names.filter((n) => n !== "basic")) expect(outputs.forms[name]).toBe(MASK);

    // KV values
    for (const name of names.filter((n) => n !== "basic")) expect(await h.kv.get("test.secrets", `leak.${name}`)).toEqual({ type: "STRING", value: `${name}: ${MASK}` });
    expect((await h.kv.get("test.secrets", "leak.nested"))?.value).toEqual({ nested: [MASK, { [MASK]: MASK }] });

    // files: text masked, the name too (the URI the task got back is the one that works), binary kept as it was
    const file = async (uri: string) => (await h.storage.get(uri.slice("ferry://".length)))!;
    for (const name of names.filter((n) => n !== "basic")) expect(new TextDecoder().decode(await file(outputs.uris[name]))).toBe(`${name}: ${MASK}\n`);
    expect(new TextDecoder().decode(await file(outputs.uris.text))).toBe(`token,${MASK}\n`);
    expect(outputs.uris.named).toMatch(/\/file-\*{6}\.txt$/);
    expect(new TextDecoder().decode(await file(outputs.uris.named))).toBe("x");
    expect(await file(outputs.uris.binary)).toEqual(new Uint8Array([0xff, 0xfe, ...utf8(SECRET)]));

    // metrics: names and tags
    const metrics = await h.repository.findMetrics(r.execution.id);
    expect(metrics).toHaveLength(names.length);
    for (const name of names.filter((n) => n !== "basic")) {
      expect(metrics).toContainEqual(expect.objectContaining({ name: `leak.${name}.${MASK}`, tags: { form: `${name}: ${MASK}`, [MASK]: "key" } }));
    }

    // and nothing Ferry wrote holds the value in any form, but the binary file, kept byte for byte
    await new Promise((resolve) => setTimeout(resolve, 200));
    const binary = outputs.uris.binary.slice("ferry://".length);
    expect((await storedFiles(h.dir, [])).filter((f) => f.text.includes(SECRET)).map((f) => f.path)).toEqual([join(h.dir, "storage", binary)]); // the scan finds what is there
    const stored = await storedFiles(h.dir, [binary]);
    expect(stored.length).toBeGreaterThan(names.length * 2);
    for (const { path, text } of stored) for (const form of LEAKS) expect(text.includes(form), `${form} in ${path}`).toBe(false);
  });

  it("refuses a KV key that holds a secret: keys live in the repository", async () => {
    const r = await h.run(`
id: secret-key
namespace: test.secrets
tasks:
  - { id: set, type: core.kv.Set, key: "{{ secret('KEYISH') }}", value: x }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages()).toContain(`KV key ${MASK} holds a secret value: a secret is never stored as a key`);
    expect(await h.kv.list("test.secrets")).not.toContainEqual(expect.objectContaining({ key: "key-from-secret" }));
  });

  it("core.kv.Set stores a secret value masked", async () => {
    const r = await h.run(`
id: secret-value
namespace: test.secrets
tasks:
  - { id: set, type: core.kv.Set, key: token, value: "Bearer {{ secret('LEAKY') }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await h.kv.get("test.secrets", "token")).toEqual({ type: "STRING", value: `Bearer ${MASK}` });
  });
});
