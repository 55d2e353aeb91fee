import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "./support/ferry-process.js";

// inside the workspace, so the scaffold resolves @ferry/sdk and @ferry/testkit as a user's would from npm
let parent: string;
afterAll(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
});

const run = (command: string, args: string[], cwd: string) => spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

describe("ferry plugin new", () => {
  it("scaffolds a plugin whose build and tests pass right away, and that ferry loads", async () => {
    parent = await mkdtemp(join(REPO_ROOT, "integration-tests", ".scaffold-"));
    const made = await runCli(["plugin", "new", "@acme/ferry-plugin-slack-notify", "--dir", parent]);
    expect(made.code, made.stderr).toBe(0);
    const dir = join(parent, "ferry-plugin-slack-notify");
    expect(made.stdout).toContain(`created ${dir}`);

    const build = run(process.execPath, [join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], dir);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    const test = run(process.execPath, [join(REPO_ROOT, "node_modules/vitest/vitest.mjs"), "run"], dir);
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain("2 passed");

    await writeFile(join(parent, "ferry.yaml"), `plugins: ["@ferry/plugin-core", "./ferry-plugin-slack-notify"]\n`);
    const check = await runCli(["config", "check"], { cwd: parent });
    expect(check.stdout).toContain("@acme/ferry-plugin-slack-notify@0.1.0");

    const docs = await runCli(["plugin", "docs", "docs", "--plugin", "./ferry-plugin-slack-notify"], { cwd: parent });
    expect(docs.stdout).toContain("wrote 1 pages and README.md");
    const page = await readFile(join(parent, "docs", "slackNotify.Hello.md"), "utf8");
    expect(page).toContain("# slackNotify.Hello");
    expect(page).toMatch(/\| `name` \| string \| {2}\| `"World"` \|/);
    expect(page).toContain("## Example: Greet the flow's input");

    const schema = JSON.parse((await runCli(["flow", "schema"], { cwd: parent })).stdout) as { $defs: { task: { anyOf: Array<{ properties: { type: { const: string } } }> } } };
    expect(schema.$defs.task.anyOf.map((t) => t.properties.type.const)).toEqual(expect.arrayContaining(["slackNotify.Hello", "core.Log", "io.kestra.plugin.core.log.Log"]));

    expect((await runCli(["plugin", "new", "@acme/ferry-plugin-slack-notify", "--dir", parent])).stderr).toContain("already exists");
    expect((await runCli(["plugin", "new", "Not A Name"])).stderr).toContain("is not an npm package name");
  }, 120_000);
});
