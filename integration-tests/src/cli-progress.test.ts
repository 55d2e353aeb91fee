import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";
import { runInPty } from "./support/pty.js";

const N = 12;
/** a frame of cli-progress's bar: `deploying  [████░░░░] 5/12` */
const bar = (phase: string, done: number) => new RegExp(`${phase}\\s+\\[[█░]+\\] ${done}/${N}`);
const BAR_CHARS = /[█░]/;

describe("long commands show a progress bar with counts on a terminal, and nothing of it elsewhere", () => {
  let ferry: FerryProcess;
  let dir: string;
  let s: string[];
  beforeAll(async () => {
    ferry = await startFerryProcess();
    s = ["--server", ferry.url];
    dir = await mkdtemp(join(tmpdir(), "ferry-cli-progress-"));
    for (const name of ["flows", "more-flows", "files"]) await mkdir(join(dir, name));
    for (let i = 0; i < N; i++) {
      const flow = (ns: string) => `id: f${i}\nnamespace: ${ns}\ntasks:\n  - { id: log, type: core.Log, message: "flow ${i}" }\n`;
      await writeFile(join(dir, "flows", `f${i}.yaml`), flow("cli.progress"));
      await writeFile(join(dir, "more-flows", `f${i}.yaml`), flow("cli.progress.piped"));
      await writeFile(join(dir, "files", `file-${i}.txt`), `content ${i}`);
    }
    await writeFile(join(dir, "kv.yaml"), Array.from({ length: N }, (_, i) => `key${i}: ${i}`).join("\n"));
  });
  afterAll(async () => ferry?.stop());

  it("flow deploy, namespace files deploy, kv deploy and executions purge draw their bar on a terminal", async () => {
    const tty = (args: string[]) => runInPty([...args, ...s], { env: { CI: undefined } });
    const deploy = tty(["flow", "deploy", join(dir, "flows")]);
    expect(await deploy.exited).toBe(0);
    expect(deploy.text()).toMatch(bar("deploying", N));
    expect(deploy.text()).toMatch(bar("validating", N));
    expect(deploy.text()).toContain(`${N} created, 0 updated, 0 unchanged, 0 deleted`);
    expect(deploy.text()).toContain("created   cli.progress.f11");

    const files = tty(["namespace", "files", "deploy", join(dir, "files"), "-n", "cli.progress"]);
    expect(await files.exited).toBe(0);
    expect(files.text()).toMatch(bar("uploading", N));
    expect(files.text()).toContain(`${N} uploaded, 0 unchanged, 0 deleted`);

    const kv = tty(["kv", "deploy", join(dir, "kv.yaml"), "-n", "cli.progress"]);
    expect(await kv.exited).toBe(0);
    expect(kv.text()).toMatch(bar("deploying", N));
    expect(kv.text()).toContain(`${N} set, 0 unchanged, 0 deleted`);

    for (let i = 0; i < N; i++) expect((await runCli(["execute", "cli.progress", `f${i}`, "--wait", ...s])).code).toBe(0);
    const dry = await runCli(["executions", "purge", "--namespace", "cli.progress", "--before", "0s", "--dry-run", ...s]);
    expect(dry.stdout).toMatch(new RegExp(`^${N} executions would be purged \\(ended before \\S+; dry run: nothing deleted\\)\\n$`));
    const purge = tty(["executions", "purge", "--namespace", "cli.progress", "--before", "0s"]);
    expect(await purge.exited).toBe(0);
    expect(purge.text()).toMatch(bar("purging", N));
    expect(purge.text()).toMatch(new RegExp(`purged ${N} executions \\(ended before \\S+\\) with their logs, metrics and files`));
    const left = JSON.parse((await runCli(["executions", "list", "--namespace", "cli.progress", "--json", ...s])).stdout) as { total: number };
    expect(left.total).toBe(0);
  }, 300_000);

  it("stays quiet piped, and on a terminal in CI: the same result lines, no bar", async () => {
    const piped = await runCli(["flow", "deploy", join(dir, "more-flows"), ...s]);
    expect(piped.code).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(BAR_CHARS);
    expect(piped.stdout).toContain(`${N} created, 0 updated, 0 unchanged, 0 deleted`);
    const ci = runInPty(["kv", "deploy", join(dir, "kv.yaml"), "-n", "cli.progress.ci", ...s], { env: { CI: "true" } });
    expect(await ci.exited).toBe(0);
    expect(ci.text()).not.toMatch(BAR_CHARS);
    expect(ci.text()).toContain(`${N} set, 0 unchanged, 0 deleted`);
  }, 120_000);

  it("Ctrl-C during a long command gives the cursor back and exits 130", async () => {
    const many = join(dir, "many-flows");
    await mkdir(many);
    for (let i = 0; i < 200; i++) await writeFile(join(many, `m${i}.yaml`), `id: m${i}\nnamespace: cli.progress.many\ntasks:\n  - { id: log, type: core.Log, message: hi }\n`);
    const deploy = runInPty(["flow", "deploy", many, ...s], { env: { CI: undefined } });
    await deploy.waitFor(/validating\s+\[[█░]+\] [1-9]\d*\/200/);
    deploy.type("\x03");
    expect(await deploy.exited).toBe(130);
    expect(deploy.raw().slice(deploy.raw().lastIndexOf("validating"))).toContain("\x1b[?25h"); // the cursor shown again
    expect(deploy.text()).not.toContain("created");
  }, 120_000);

  it("purge refuses a --before it cannot read, or none (exit 2)", async () => {
    expect(await runCli(["executions", "purge", "--before", "last week", ...s])).toMatchObject({
      code: 2,
      stderr: "ferry: --before 'last week' is not a duration (30m, 2h, 7d, PT2H) or a date (2026-11-01T08:00:00Z)\n",
    });
    expect((await runCli(["executions", "purge", ...s])).code).toBe(2); // --before is required
  }, 120_000);
});
