import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "./server.test-support.js";

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry({ retention: { enabled: false } });
  await t.deploy(`id: cached
namespace: cache.test
inputs:
  - { id: who, type: STRING }
tasks:
  - id: heavy
    type: script.Shell
    taskCache: { enabled: true, ttl: PT1H }
    outputFiles: ["greeting.txt"]
    commands:
      - echo "heavy work for {{ inputs.who }}"
      - printf 'hello {{ inputs.who }}' > greeting.txt
      - echo '::{"outputs":{"who":"{{ inputs.who }}"}}::'
  - id: use
    type: script.Shell
    inputFiles: { in.txt: "{{ outputs.heavy.outputFiles['greeting.txt'] }}" }
    commands: ["cat in.txt; echo"]
`);
}, 30_000);
afterAll(async () => t?.close());

type Run = { id: string; state: { current: string }; taskRunList: Array<{ taskId: string; outputs: any; attempts: Array<{ cached?: boolean }> }> };
const run = async (who: string, flowId = "cached") => {
  const response = await t.api(`/executions/cache.test/${flowId}?wait=true`, { method: "POST", body: JSON.stringify({ who }), headers: { "content-type": "application/json" } });
  expect(response.status).toBe(200);
  return (await response.json()) as Run;
};
const heavy = (e: Run) => e.taskRunList.find((r) => r.taskId === "heavy")!;
const messages = async (e: Run) => ((await (await t.api(`/logs/${e.id}`)).json()) as Array<{ message: string }>).map((l) => l.message);

describe("taskCache", () => {
  it("reuses a successful run's outputs and files for the same properties and inputs; the task does not run", async () => {
    const first = await run("ada");
    expect(first.state.current).toBe("SUCCESS");
    expect(heavy(first).attempts[0].cached).toBeUndefined();
    expect(await messages(first)).toContain("heavy work for ada");

    const second = await run("ada");
    expect(second.state.current).toBe("SUCCESS");
    expect(heavy(second).attempts).toHaveLength(1);
    expect(heavy(second).attempts[0].cached).toBe(true);
    const logs = await messages(second);
    expect(logs).not.toContain("heavy work for ada");
    expect(logs.some((m) => m.startsWith("outputs taken from the task cache"))).toBe(true);
    // the outputs are the first run's, its file copied into this execution: the next task reads it
    expect(heavy(second).outputs.vars).toEqual({ who: "ada" });
    expect(heavy(second).outputs.outputFiles["greeting.txt"]).toContain(`/executions/${second.id}/files/heavy/`);
    expect(logs).toContain("hello ada");

    const other = await run("grace");
    expect(heavy(other).attempts[0].cached).toBeUndefined();
    expect(await messages(other)).toContain("heavy work for grace");
  });

  it("is a miss once the entry expires or the bytes it points at are gone", async () => {
    await t.deploy((await (await t.api("/flows/cache.test/cached")).json() as { source: string }).source.replace("id: cached", "id: brief").replace("ttl: PT1H", "ttl: PT2S"));
    const first = await run("linus", "brief");
    expect(heavy(await run("linus", "brief")).attempts[0].cached).toBe(true);
    // the TTL outlasts a run on a starved box (at PT0.3S the second run once came after it), then passes
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await run("linus", "brief");
    expect(heavy(expired).attempts[0].cached).toBeUndefined();

    // the filling run's outputs removed (a retention rule): the next run is a miss and runs
    const filled = await run("barbara");
    expect(heavy(await run("barbara")).attempts[0].cached).toBe(true);
    await rm(join(t.dir, ".ferry/storage/cache/test/cached/executions", filled.id), { recursive: true });
    const again = await run("barbara");
    expect(heavy(again).attempts[0].cached).toBeUndefined();
    expect(await messages(again)).toContain("heavy work for barbara");
    expect(first.state.current).toBe("SUCCESS");
  });

  it("refuses a taskCache without enabled at deploy, naming it", async () => {
    const response = await t.api("/flows", { method: "POST", body: "id: bad-cache\nnamespace: cache.test\ntasks:\n  - id: a\n    type: core.Log\n    message: x\n    taskCache: { ttl: PT1H }\n", headers: { "content-type": "application/x-yaml" } });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ errors: [{ path: "tasks[0].taskCache.enabled" }] });
  });
});
