import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../../../packages/engine/src/engine.test-support.js";
import { storageKeyOf } from "@ferry/sdk";
import scriptPlugin from "./index.js";

/*
 * Kestra's deprecated io.kestra.core.tasks.scripts.Bash (plugin-script-shell Bash.java over plugin-script
 * AbstractBash.java), as kestra-io/examples' older flows use it (flows/bashMetrics.yml,
 * flows/failure_handling/failureDemoAllowFailure.yml, flows/debug/debugPrintInputFile.yml).
 */
let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness([scriptPlugin]);
}, 30_000);
afterAll(async () => {
  await h?.close();
});

const text = async (uri: string) => new TextDecoder().decode((await h.storage.get(storageKeyOf(uri)))!);

describe("io.kestra.core.tasks.scripts.Bash", () => {
  it("runs the @Examples of Bash.java: outputFiles by name, inputFiles with {{ workingDir }}, ::outputs:: and line counts", async () => {
    const r = await h.run(`
id: bash_examples
namespace: test.bash
tasks:
  - id: files
    type: io.kestra.core.tasks.scripts.Bash
    outputFiles:
      - first
      - second
    commands:
      - echo "1" >> {{ outputFiles.first }}
      - echo "2" >> {{ outputFiles.second }}
  - id: input
    type: io.kestra.core.tasks.scripts.Bash
    inputFiles:
      script.sh: |
        echo {{ workingDir }}
      data.txt: "{{ outputs.files.outputFiles.first }}"
    commands:
      - /bin/sh script.sh | grep -q "$PWD" && echo "in its folder"
      - cat data.txt
      - echo oops >&2
      - echo '::{"outputs":{"test":"value","int":2}}::'
  - id: dirs
    type: io.kestra.core.tasks.scripts.Bash
    outputDirs: [myDir]
    commands:
      - echo one > {{ outputDirs.myDir }}/file1.txt
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const files = (await r.outputs("files")) as { outputFiles: Record<string, string>; files: Record<string, string>; exitCode: number };
    expect(Object.keys(files.outputFiles).sort()).toEqual(["first", "second"]);
    expect(files.files).toEqual(files.outputFiles);
    expect(await text(files.outputFiles.first!)).toBe("1\n");
    expect(await text(files.outputFiles.second!)).toBe("2\n");
    const input = (await r.outputs("input")) as { vars: unknown; stdOutLineCount: number; stdErrLineCount: number; exitCode: number; outputFiles: unknown };
    expect(input).toMatchObject({ vars: { test: "value", int: 2 }, stdOutLineCount: 3, stdErrLineCount: 1, exitCode: 0, outputFiles: {} });
    expect(r.messages()).toEqual(expect.arrayContaining(["in its folder", "1"]));
    const dirs = (await r.outputs("dirs")) as { outputFiles: Record<string, string> };
    expect(Object.keys(dirs.outputFiles)).toEqual(["myDir/file1.txt"]);
    expect(await text(dirs.outputFiles["myDir/file1.txt"]!)).toBe("one\n");
  });

  it("stops at the first failing command (set -o errexit), unless exitOnFailed is false; AllowFailure keeps the flow going", async () => {
    const r = await h.run(`
id: failure_demo
namespace: test.bash
tasks:
  - id: allowFailure
    type: io.kestra.core.tasks.flows.AllowFailure
    tasks:
      - id: failSilently
        type: io.kestra.core.tasks.scripts.Bash
        commands:
          - exit 1
  - id: lenient
    type: io.kestra.core.tasks.scripts.Bash
    exitOnFailed: false
    commands:
      - "false"
      - echo "went on"
  - id: fail
    type: io.kestra.core.tasks.scripts.Bash
    commands:
      - "false"
      - echo "never printed"
  - id: willNeverRun
    type: io.kestra.core.tasks.scripts.Bash
    commands:
      - echo "this will never run"
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("allowFailure")).toBe("WARNING");
    expect(r.state("failSilently")).toBe("FAILED");
    expect(r.state("lenient")).toBe("SUCCESS");
    expect(r.state("fail")).toBe("FAILED");
    expect(r.state("willNeverRun")).toBeUndefined();
    expect(r.messages()).toContain("went on");
    expect(r.messages()).not.toContain("never printed");
  });

  it("refuses what Ferry cannot honour or Kestra refuses: the DOCKER runner, dockerOptions, an absolute output name, no commands", async () => {
    const refused = [
      "runner: DOCKER\n    commands: [ls]",
      "dockerOptions: { image: php }\n    commands: [ls]",
      "outputFiles: [/etc/out]\n    commands: [ls]",
      "commands: []",
    ];
    for (const props of refused) {
      await expect(
        h.deploy(`id: refused\nnamespace: test.bash\ntasks:\n  - id: bash\n    type: io.kestra.core.tasks.scripts.Bash\n    ${props}\n`),
      ).rejects.toThrow();
    }
  });
});
