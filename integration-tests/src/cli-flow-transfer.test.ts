import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const NS = "cli.transfer";
const flow = (id: string, message = "hi") => `id: ${id}\nnamespace: ${NS}\ntasks:\n  - { id: log, type: core.Log, message: "${message}" }\n`;

describe("ferry flow export and import, against a real server", () => {
  let ferry: FerryProcess;
  let dir: string;
  let s: string[];
  beforeAll(async () => {
    ferry = await startFerryProcess();
    s = ["--server", ferry.url];
    dir = await mkdtemp(join(tmpdir(), "ferry-cli-transfer-"));
    for (const id of ["one", "two"]) await writeFile(join(dir, `${id}.yaml`), flow(id));
    expect((await runCli(["flow", "deploy", dir, ...s])).code).toBe(0);
  });
  afterAll(async () => ferry?.stop());

  it("exports a namespace to a zip, and imports it back edited; a flow not imported exits 1 naming it", async () => {
    const zipPath = join(dir, "out.zip");
    expect(await runCli(["flow", "export", "--namespace", NS, "--output", zipPath, ...s])).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^flows written to ${zipPath.replace(/[.]/g, "\\.")} \\(\\d+ bytes\\)\\n$`)) });
    expect(new TextDecoder().decode((await readFile(zipPath)).subarray(0, 2))).toBe("PK");
    // the export brings deleted flows back
    for (const id of ["one", "two"]) expect((await runCli(["flow", "delete", NS, id, ...s])).code).toBe(0);
    expect(await runCli(["flow", "import", zipPath, ...s])).toMatchObject({ code: 0, stdout: `flows of ${zipPath} imported\n` });
    for (const id of ["one", "two"]) expect((await runCli(["flow", "get", NS, id, ...s])).stdout).toBe(flow(id));

    const edited = join(dir, "edited.yml");
    await writeFile(edited, `${flow("one", "edited")}---\n${flow("three")}`);
    expect(await runCli(["flow", "import", edited, ...s])).toMatchObject({ code: 0, stdout: `flows of ${edited} imported\n` });
    expect((await runCli(["flow", "get", NS, "one", ...s])).stdout).toBe(flow("one", "edited"));
    expect((await runCli(["flow", "get", NS, "three", ...s])).stdout).toBe(flow("three"));

    const mixed = join(dir, "mixed.yaml");
    await writeFile(mixed, `${flow("four")}---\nid: five\nnamespace: ${NS}\ntasks: []\n`);
    expect(await runCli(["flow", "import", mixed, ...s])).toMatchObject({ code: 1, stderr: "ferry: not imported (invalid flows; --fail-on-error says why): 1\n" });
    const strict = await runCli(["flow", "import", mixed, "--fail-on-error", ...s]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^ferry: POST \/api\/v1\/flows\/import\?failOnError=true: HTTP 422: Following invalid flows were not imported: 1\n$/);
    expect((await runCli(["flow", "get", NS, "four", ...s])).code).toBe(0);
    expect(await runCli(["flow", "import", join(dir, "missing.zip"), ...s])).toMatchObject({ code: 1, stderr: `ferry: cannot read ${join(dir, "missing.zip")}: ENOENT\n` });
  }, 180_000);
});
