import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../ferry.js";

let ferry: FerryServer;
let dir: string;
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const deploy = async (source: string) => expect((await api("/flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
const ended = async (id: string) => {
  for (const end = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const body = (await (await api(`/executions/${id}`)).json()) as any;
    if (["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"].includes(body.state.current) || Date.now() > end) return body;
  }
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-api-fields-"));
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

describe("an execution's variables in the API's answer (Kestra's Execution.variables)", () => {
  it("shows what SetVariables and UnsetVariables made of them, skipped ones aside (TaskWithWhenTest.executionUpdatingTask); none while no task changed them", async () => {
    await deploy(`id: updating
namespace: api.variables
variables:
  list: []
tasks:
  - id: unsetVariables
    type: io.kestra.plugin.core.execution.UnsetVariables
    when: "true"
    variables: [list]
  - id: setVariables
    type: io.kestra.plugin.core.execution.SetVariables
    variables:
      list: [42]
  - id: skipSetVariables
    type: io.kestra.plugin.core.execution.SetVariables
    when: "false"
    variables:
      list: [1]
`);
    const { id } = (await (await api("/executions/api.variables/updating", { method: "POST" })).json()) as any;
    const done = await ended(id);
    expect(done.state.current).toBe("SUCCESS");
    expect(done.variables).toEqual({ list: [42] });
    await deploy(`id: untouched\nnamespace: api.variables\nvariables:\n  a: 1\ntasks:\n  - { id: log, type: core.Log, message: "{{ vars.a }}" }\n`);
    const other = (await (await api("/executions/api.variables/untouched", { method: "POST" })).json()) as any;
    expect((await ended(other.id)).variables).toBeUndefined();
  });
});

describe("an execution's metadata in the API's answer (Kestra's ExecutionMetadata)", () => {
  it("attemptNumber is 1, then the next one once a task run is marked (ExecutionServiceTest.changeStateWithErrorBranch: RESTARTED, 4 history entries, the errors run dropped, attemptNumber 2)", async () => {
    await deploy(`id: change-state-errors
namespace: api.variables
errors:
  - { id: print_error_log, type: io.kestra.plugin.core.log.Log, message: "Failure alert" }
tasks:
  - { id: before_task, type: io.kestra.plugin.core.debug.Return, format: "this always works" }
  - { id: make_error, type: io.kestra.plugin.core.debug.Return, format: "{{ error }}" }
  - { id: after, type: io.kestra.plugin.core.debug.Return, format: "after" }
`);
    const { id } = (await (await api("/executions/api.variables/change-state-errors", { method: "POST" })).json()) as any;
    const failed = await ended(id);
    expect([failed.state.current, failed.taskRunList.length, failed.metadata.attemptNumber]).toEqual(["FAILED", 3, 1]);
    expect(Date.parse(failed.metadata.originalCreatedDate)).not.toBeNaN();
    const makeError = failed.taskRunList.find((t: any) => t.taskId === "make_error").id;
    const marked = (await (await api(`/executions/${id}/state`, { method: "POST", body: JSON.stringify({ taskRunId: makeError, state: "SUCCESS" }), headers: { "content-type": "application/json" } })).json()) as any;
    expect(marked.state.current).toBe("RESTARTED");
    expect(marked.metadata.attemptNumber).toBe(2);
    expect(marked.state.histories).toHaveLength(4);
    expect(marked.taskRunList.map((t: any) => [t.taskId, t.state.current])).toEqual([["before_task", "SUCCESS"], ["make_error", "SUCCESS"]]);
    expect((await ended(id)).state.current).toBe("SUCCESS");
  });
});
