import { resolveProcessUser } from "@ferry/engine";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../../../packages/engine/src/engine.test-support.js";
import scriptPlugin from "./index.js";

/*
 * worker.processUser: task processes run as an unprivileged user (Debian's nobody, 65534),
 * which only a worker running as root can do. A script run as the worker's own user can
 * read the worker's environment (/proc/<worker>/environ: the parent of its supervisor shell, $PPID),
 * secrets included; as nobody it cannot.
 */
const root = process.getuid?.() === 0;
if (!root) console.warn("process-user.test.ts SKIPPED: worker.processUser needs the tests to run as root (uid 0), they run as uid", process.getuid?.());

/** the stand-in worker (process-user.test-support.ts), started with SECRET_X in its environment, as some other user when `asUid` */
function standInWorker(input: { commands: string[]; processUser?: { name: string; uid: number; gid: number } }, asUid?: number): { outputs?: unknown; logs?: Array<{ message: string }>; error?: string } {
  const script = fileURLToPath(new URL("./process-user.test-support.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--conditions=ferry-src", "--import", "tsx", script, JSON.stringify(input)], {
    cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    env: { PATH: process.env.PATH, SECRET_X: Buffer.from("the-worker-secret-x").toString("base64"), ...(asUid === undefined ? {} : { HOME: "/tmp" }) },
    encoding: "utf8",
    ...(asUid === undefined ? {} : { uid: asUid, gid: asUid }),
  });
  return JSON.parse(out) as ReturnType<typeof standInWorker>;
}

/** the worker's pid: the parent of the supervisor shell (supervise.ts) that is this script's parent */
const WORKER_PID = "$(awk '{print $4}' /proc/$PPID/stat)";

const readWorkerEnvironment = [
  "id -u",
  `if cat /proc/${WORKER_PID}/environ > env.bin 2> err.txt; then tr '\\0' '\\n' < env.bin | grep '^SECRET_X='; else echo "refused: $(cat err.txt)"; fi`,
];

describe.skipIf(!root)("worker.processUser", () => {
  const nobody = root ? resolveProcessUser("nobody") : { name: "nobody", uid: 65534, gid: 65534 };

  it("resolves nobody to 65534:65534", () => {
    expect(nobody).toEqual({ name: "nobody", uid: 65534, gid: 65534 });
  });

  it("without it, a script reads the worker's environment, secrets included (the leak it closes)", () => {
    const r = standInWorker({ commands: readWorkerEnvironment });
    expect(r.logs?.map((l) => l.message)).toEqual(["0", `SECRET_X=${Buffer.from("the-worker-secret-x").toString("base64")}`]);
  });

  it("with it, the script runs as that user and cannot read the worker's environment", () => {
    const r = standInWorker({ commands: readWorkerEnvironment, processUser: nobody });
    expect(r.error).toBeUndefined();
    const [uid, environ] = r.logs!.map((l) => l.message);
    expect(uid).toBe("65534");
    expect(environ).toMatch(/^refused: cat: \/proc\/\d+\/environ: Permission denied$/);
  });

  it("fails clearly when the worker does not run as root", () => {
    const r = standInWorker({ commands: ["id -u"], processUser: { name: "daemon", uid: 1, gid: 1 } }, 65534);
    expect(r.error).toMatch(/cannot start \/bin\/sh as user daemon \(1:1, worker\.processUser\): the worker must run as root to start processes as another user/);
  });

  describe("on the engine's worker", () => {
    let h: EngineHarness;
    beforeAll(async () => void (h = await createEngineHarness([scriptPlugin], { processUser: nobody })), 30_000);
    afterAll(async () => h?.close());

    it("runs Shell, Node and Deno tasks as that user, HOME their working folder; their output files reach storage", async () => {
      const r = await h.run(`
id: as-nobody
namespace: test.scripts
tasks:
  - id: shell
    type: script.Shell
    outputFiles: ["*.txt"]
    commands:
      - echo "::{\\"outputs\\":{\\"uid\\":\\"$(id -u)\\",\\"gid\\":\\"$(id -g)\\",\\"user\\":\\"$USER\\",\\"homeIsHere\\":$( [ "$HOME" = "$(pwd)" ] && echo true || echo false )}}::"
      - echo "written by $(id -un)" > report.txt
  - id: node
    type: script.Node
    script: |
      require("node:fs").writeFileSync("x.txt", "x");
      console.log("::" + JSON.stringify({ outputs: { uid: process.getuid() } }) + "::");
  - id: deno
    type: script.Deno
    script: |
      export default async () => {
        await Deno.writeTextFile("made.txt", "by deno");
        return { read: await Deno.readTextFile("made.txt") };
      };
`);
      expect(r.execution.state.current).toBe("SUCCESS");
      const shell = (await r.outputs("shell")) as { vars: unknown; outputFiles: Record<string, string> };
      expect(shell.vars).toEqual({ uid: "65534", gid: "65534", user: "nobody", homeIsHere: true });
      expect(new TextDecoder().decode(await h.storage.get(shell.outputFiles["report.txt"].slice("ferry://".length)))).toBe("written by nobody\n");
      expect(((await r.outputs("node")) as { vars: unknown }).vars).toEqual({ uid: 65534 });
      expect(await r.outputs("deno")).toEqual({ read: "by deno" });
    });

    it("installs a python task's dependencies as that user: a package's build code cannot read the worker's environment either", async () => {
      // a source package whose setup.py (build code pip runs) writes the uid it runs as; whether its
      // build then succeeds depends on the box's setuptools and wheel: what counts is who ran it
      const dir = mkdtempSync(join(tmpdir(), "ferry-pip-as-user-"));
      writeFileSync(join(dir, "setup.py"), `import os\nopen(${JSON.stringify(join(dir, "uid"))}, "w").write(str(os.getuid()))\nfrom setuptools import setup\nsetup(name="uidproof", version="1.0", py_modules=[])\n`);
      chmodSync(dir, 0o777);
      try {
        const r = await h.run(`
id: pip-as-nobody
namespace: test.scripts
tasks:
  - id: python
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    env:
      PIP_NO_BUILD_ISOLATION: "false"
    dependencies:
      - ${dir}
    script: print("ran")
`, {}, 120_000);
        // pip ran (its build code wrote the proof) as nobody, with nobody's HOME (the working folder)
        expect(readFileSync(join(dir, "uid"), "utf8"), r.messages().join("\n")).toBe("65534");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 150_000);

    it("a timeout kills the processes it started as that user, their children too", async () => {
      const marker = "31.4159";
      const r = await h.run(`
id: killed-as-nobody
namespace: test.scripts
tasks:
  - id: shell
    type: script.Shell
    timeout: PT1S
    commands:
      - sleep ${marker} &
      - sleep ${marker}
`);
      expect(r.execution.state.current).toBe("FAILED");
      expect(r.messages().join("\n")).toMatch(/Timeout after/);
      // the group gets SIGTERM, then SIGKILL after its grace: nothing of it is left a few seconds on
      const left = async () => execFileSync("pgrep", ["-u", "65534", "-f", `sleep ${marker}`], { encoding: "utf8" }).trim();
      let remaining = "";
      for (let i = 0; i < 50; i++) {
        remaining = await left().catch(() => "");
        if (!remaining) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(remaining).toBe("");
    });

    it("removes links out of the working folder before the worker (root) reads output files", async () => {
      const r = await h.run(`
id: link-out
namespace: test.scripts
tasks:
  - id: shell
    type: script.Shell
    outputFiles: ["*.txt"]
    commands:
      - echo mine > own.txt
      - ln -s own.txt inside.txt
      - ln -s /proc/${WORKER_PID}/environ environ.txt
      - ln -s /etc/shadow shadow.txt
      - ln /etc/shadow hard.txt 2>/dev/null || echo "no hard link to /etc/shadow"
`);
      expect(r.execution.state.current).toBe("SUCCESS");
      const shell = (await r.outputs("shell")) as { outputFiles: Record<string, string> };
      expect(Object.keys(shell.outputFiles)).toEqual(["inside.txt", "own.txt"]);
      expect(r.messages()).toContain("no hard link to /etc/shadow");
      expect(r.messages()).toContain("removed from the working folder, as they lead out of it (links) or belong to another user: environ.txt, shadow.txt");
    });
  });
});
