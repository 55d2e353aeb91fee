import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runTask } from "../../../packages/testkit/src/run-task.js";
import { denoTask } from "./deno.task.js";

/*
 * An import is a request: `import("https://esm.sh/x-" + data)` carries data out of a sandbox
 * that has no --allow-net, through Deno's default import allow-list. A loopback server that
 * records every request shows what reaches the network.
 */
let server: Server;
let host: string;
const requests: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.setHeader("content-type", "application/javascript");
    res.end("export default 42;\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => void (requests.length = 0));

// it.each's arguments exist before the server has its port: __HOST__ stands for it
const dynamicImport = (path: string) => `export default async () => ({ value: (await import("http://" + "__HOST__/${path}")).default });`;
const staticImport = (path: string) => `import value from "http://__HOST__/${path}";\nexport default () => ({ value });`;
// a fresh path each run: Deno keeps modules it downloaded in its cache, which would answer instead of the server
const run = Date.now().toString(36);
const withHost = (script: string) => script.replaceAll("__HOST__", host).replaceAll(".js", `.js?run=${run}`);

describe("script.Deno imports", () => {
  it.each([
    ["a dynamic import", dynamicImport("dynamic.js")],
    ["a static import", staticImport("static.js")],
  ])("refuses %s of a remote module, with no request sent, when allowImport is empty", async (_what, script) => {
    await expect(runTask(denoTask, { script: withHost(script) })).rejects.toThrow(/Requires import access|--no-remote/);
    expect(requests).toEqual([]);
  });

  it("refuses Deno's default CDNs (esm.sh, jsr.io) even though no allowNet was given", async () => {
    await expect(runTask(denoTask, { script: `export default async () => (await import("https://esm.sh/x-" + "data"), {});` })).rejects.toThrow(/--no-remote is specified/);
    await expect(runTask(denoTask, { script: `export default async () => (await import("jsr:@std/path"), {});` })).rejects.toThrow(/--no-remote is specified/);
  });

  it.each([
    ["a dynamic import", dynamicImport("dynamic.js"), "/dynamic.js"],
    ["a static import", staticImport("static.js"), "/static.js"],
  ])("lets %s through from a host allowImport lists", async (_what, script, path) => {
    const r = await runTask(denoTask, { script: withHost(script), allowImport: [host] });
    expect(r.outputs).toEqual({ value: 42 });
    expect(requests).toEqual([`${path}?run=${run}`]);
  });

  it("refuses hosts allowImport does not list, Deno's default list included", async () => {
    const script = `export default async () => (await import("https://esm.sh/x-" + "data"), {});`;
    await expect(runTask(denoTask, { script, allowImport: [host] })).rejects.toThrow(/Requires import access to "esm\.sh:443"/);
    const otherPort = `127.0.0.1:${Number(host.split(":")[1]) === 1 ? 2 : 1}`;
    await expect(runTask(denoTask, { script: withHost(dynamicImport("x.js")), allowImport: [otherPort] })).rejects.toThrow(/Requires import access/);
    expect(requests).toEqual([]);
  });

  it.each([[[] as string[]], [["registry.npmjs.org"]]])("refuses npm: specifiers (allowImport %j)", async (allowImport) => {
    await expect(runTask(denoTask, { script: `export default async () => (await import("npm:left-pad"), {});`, allowImport })).rejects.toThrow(/--no-npm is specified/);
  });
});

/*
 * A local import is a read: Deno loads the main module's static graph (static imports and
 * literal `import("…")`) without checking --allow-read, so a script run as the main module could
 * import any JSON, text or code file the worker's user can read, and a SyntaxError quoted the
 * first line of any other file. The runner imports the script at run time, where every module
 * load is checked. A folder beside the task's working folder (both in the system's temporary
 * folder) holds what must stay out of reach.
 */
describe("script.Deno local imports", () => {
  let outside: string;
  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), "ferry-outside-"));
    await writeFile(join(outside, "keys.json"), `{ "key": "OUTSIDE-JSON" }\n`);
    await writeFile(join(outside, "code.ts"), `throw new Error("OUTSIDE-TS ran");\nexport default 1;\n`);
    await writeFile(join(outside, "notes.txt"), "OUTSIDE-TEXT first line\n");
  });
  afterAll(() => rm(outside, { recursive: true, force: true }));

  // __OUTSIDE__ stands for that folder, which exists only once beforeAll has run
  it.each([
    ["a static JSON import", `import x from "__OUTSIDE__/keys.json" with { type: "json" };\nexport default () => x;`, "keys.json"],
    ["a literal dynamic JSON import", `export default async () => (await import("__OUTSIDE__/keys.json", { with: { type: "json" } })).default;`, "keys.json"],
    ["a relative JSON import (../)", `import x from "../__OUTSIDE_NAME__/keys.json" with { type: "json" };\nexport default () => x;`, "keys.json"],
    ["a static .ts import", `import x from "__OUTSIDE__/code.ts";\nexport default () => ({ x });`, "code.ts"],
    ["a text import", `import x from "__OUTSIDE__/notes.txt" with { type: "text" };\nexport default () => ({ x });`, "notes.txt"],
    ["an import of a non-module file", `import x from "__OUTSIDE__/notes.txt";\nexport default () => ({ x });`, "notes.txt"],
    ["an import made by one of the script's own modules", `import x from "./lib/reexport.ts";\nexport default () => x;`, "keys.json"],
  ])("refuses %s outside the working folder, quoting none of it", async (_what, template, file) => {
    const place = (text: string) => text.replaceAll("__OUTSIDE_NAME__", basename(outside)).replaceAll("__OUTSIDE__", outside);
    const inputFiles = { "lib/reexport.ts": place(`export { default } from "__OUTSIDE__/keys.json" with { type: "json" };`) };
    const error = await runTask(denoTask, { script: place(template), inputFiles }).then(() => "no error", (e: unknown) => String(e));
    expect(error).toContain(`Requires read access to "${join(outside, file)}"`);
    expect(error).not.toMatch(/OUTSIDE-/);
  });

  it("loads the script's own modules from its folder: static, dynamic, JSON, in subfolders", async () => {
    const script = `import { twice } from "./lib/helper.ts";
import data from "./data.json" with { type: "json" };
export default async () => ({ value: twice(data.n), again: (await import("./lib/" + "helper.ts")).twice(1) });`;
    const inputFiles = { "lib/helper.ts": "export const twice = (n: number) => 2 * n;", "data.json": `{ "n": 21 }` };
    expect((await runTask(denoTask, { script, inputFiles })).outputs).toEqual({ value: 42, again: 2 });
  });
});
