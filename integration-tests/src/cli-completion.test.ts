import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/ferry-process.js";

const run = promisify(execFile);
const script = (shell: string) => join(tmpdir(), `ferry-completion-${process.pid}.${shell}`);
const has = (shell: string) => ["/bin", "/usr/bin"].some((dir) => existsSync(join(dir, shell)));

/** what bash completes for a command line, with the script sourced (as `complete -F` would call it) */
async function bashCompletes(line: string): Promise<string[]> {
  const words = line.split(" ");
  const program = `source ${script("bash")}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_ferry_completions
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run("bash", ["-c", program], { cwd: tmpdir() });
  return stdout.split("\n").filter(Boolean);
}

describe("ferry completion", () => {
  beforeAll(async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await runCli(["completion", shell]);
      expect(r.code).toBe(0);
      await writeFile(script(shell), r.stdout);
    }
  }, 60_000);

  it("bash: the sourced script registers itself and completes subcommands, nested ones, options and their choices", async () => {
    const { stdout } = await run("bash", ["-c", `source ${script("bash")}; complete -p ferry`]);
    expect(stdout.trim()).toBe("complete -F _ferry_completions ferry");
    expect(await bashCompletes("ferry exe")).toEqual(["execute", "executions"]);
    expect(await bashCompletes("ferry executions ")).toEqual(["list", "get", "logs", "follow", "kill", "restart", "resume", "review", "replay", "mark", "purge"]);
    expect(await bashCompletes("ferry flow de")).toEqual(["deploy", "delete"]);
    // options and their values are passed over when finding the command
    expect(await bashCompletes("ferry --server http://x executions list --st")).toEqual(["--state"]);
    expect(await bashCompletes("ferry executions list --namespace company --li")).toEqual(["--limit"]);
    expect(await bashCompletes("ferry plugin new acme --kind ")).toEqual(["task", "trigger", "storage", "secrets", "repository", "queue", "history"]);
    expect(await bashCompletes("ferry completion ")).toEqual(["bash", "zsh", "fish"]);
  });

  it.skipIf(!has("fish"))("fish: complete -C answers subcommands with their descriptions, and options", async () => {
    const complete = async (line: string) => (await run("fish", ["-c", `source ${script("fish")}; complete -C '${line}'`])).stdout.trim().split("\n");
    expect(await complete("ferry flow de")).toEqual(["delete\tdelete a flow", "deploy\tdeploy a folder of flows to a server"]);
    expect(await complete("ferry executions list --sta")).toEqual(["--state\tonly executions in this state"]);
    expect(await complete("ferry completion ")).toEqual(["bash", "fish", "zsh"]);
  });

  it.skipIf(!has("zsh"))("zsh: the function offers a command's subcommands with their descriptions, an option's choices", async () => {
    // compsys needs an interactive shell; its builtins are stood in for by ones that print what they are given
    const offered = async (...words: string[]) =>
      (
        await run("zsh", [
          "-c",
          `compdef() {}; source ${script("zsh")}
_describe() { print -l -- \${(P)4}; }; compadd() { shift; print -l -- "$@"; }; _files() { print FILES; }
words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _ferry`,
        ])
      ).stdout.trim().split("\n");
    expect(await offered("ferry", "executions", "")).toEqual(expect.arrayContaining(["list:the latest executions, newest first", "kill:kill a running execution"]));
    expect(await offered("ferry", "plugin", "new", "x", "--kind", "")).toEqual(["task", "trigger", "storage", "secrets", "repository", "queue", "history"]);
    expect(await offered("ferry", "flow", "deploy", "")).toEqual(["FILES"]);
  });

  it("an unknown shell is bad usage, exit 2", async () => {
    expect(await runCli(["completion", "powershell"])).toMatchObject({ code: 2, stderr: "ferry: command-argument value 'powershell' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish. (see 'ferry completion --help')\n" });
  });
});
