import { defineTask, definePlugin, isTerminal, z } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

// fails its first `failures` runs per key
const calls = new Map<string, number>();
const flaky = defineTask({
  kind: "runnable",
  type: "test.Flaky",
  title: "fails a few times",
  properties: z.object({ key: z.string(), failures: z.number() }),
  async run(_ctx, props) {
    const n = (calls.get(props.key) ?? 0) + 1;
    calls.set(props.key, n);
    if (n <= props.failures) throw new Error(`flaky failure ${n}`);
    return { calls: n };
  },
});

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness([definePlugin({ name: "test", version: "0", tasks: [flaky] })])));
afterAll(async () => h.close());

describe("retries as Kestra applies them: warningOnRetry, maxDuration, enclosing and flow-level policies, subflows, new executions", () => {
  it("warningOnRetry ends a task that succeeded only on a retry WARNING", async () => {
    const r = await h.run(`
id: warning-on-retry
namespace: test.retry
tasks:
  - id: flaky
    type: test.Flaky
    key: wor
    failures: 1
    retry: { type: constant, interval: PT0.01S, maxAttempt: 3, warningOnRetry: true }
`);
    expect(r.state("flaky")).toBe("WARNING");
    expect(r.runs("flaky")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(r.execution.state.current).toBe("WARNING");
  });

  it("maxDuration stops retries once the next attempt would start past it, counted from the first attempt", async () => {
    const none = await h.run(`
id: max-duration-zero
namespace: test.retry
tasks:
  - { id: flaky, type: test.Flaky, key: md0, failures: 5, retry: { type: constant, interval: PT0.01S, maxDuration: PT0S } }
`);
    expect(none.runs("flaky")[0].attempts).toHaveLength(1);
    const some = await h.run(`
id: max-duration-long
namespace: test.retry
tasks:
  - { id: flaky, type: test.Flaky, key: md1, failures: 2, retry: { type: constant, interval: PT0.01S, maxDuration: PT1H } }
`);
    expect(some.state("flaky")).toBe("SUCCESS");
    expect(some.runs("flaky")[0].attempts).toHaveLength(3);
  });

  it("a flowable's retry applies to its children that have none; a child's own retry wins", async () => {
    const r = await h.run(`
id: flowable-retry
namespace: test.retry
tasks:
  - id: group
    type: core.Sequential
    retry: { type: constant, interval: PT0.01S, maxAttempt: 3 }
    tasks:
      - { id: inherits, type: test.Flaky, key: fr1, failures: 2 }
      - { id: own, type: test.Flaky, key: fr2, failures: 1, retry: { type: constant, interval: PT0.01S, maxAttempt: 1 } }
`);
    expect(r.runs("inherits")[0].attempts).toHaveLength(3);
    expect(r.state("inherits")).toBe("SUCCESS");
    expect(r.runs("own")[0].attempts).toHaveLength(1);
    expect(r.state("own")).toBe("FAILED");
  });

  it("the flow's retry applies to every task without one (RETRY_FAILED_TASK)", async () => {
    const r = await h.run(`
id: flow-retry
namespace: test.retry
retry: { type: constant, interval: PT0.01S, maxAttempt: 2, behavior: RETRY_FAILED_TASK }
tasks:
  - { id: flaky, type: test.Flaky, key: flr, failures: 1 }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("flaky")[0].attempts).toHaveLength(2);
  });

  it("a Subflow task's retry starts a new child execution; the task ends with the last one", async () => {
    await h.deploy(`
id: flaky-child
namespace: test.retry
tasks:
  - { id: flaky, type: test.Flaky, key: sub1, failures: 1 }
outputs:
  - { id: calls, type: INT, value: "{{ outputs.flaky.calls }}" }
`);
    const r = await h.run(`
id: subflow-retry
namespace: test.retry
tasks:
  - id: call
    type: core.Subflow
    namespace: test.retry
    flowId: flaky-child
    retry: { type: constant, interval: PT0.01S, maxAttempt: 2 }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const call = r.runs("call")[0];
    expect(call.attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(await r.outputs("call")).toMatchObject({ state: "SUCCESS", outputs: { calls: 2 } });
  });

  it("CREATE_NEW_EXECUTION ends the execution RETRIED and runs the flow again in a new one, linked as Kestra links them", async () => {
    const flow = await h.deploy(`
id: new-execution-retry
namespace: test.retry
labels: { team: data }
inputs:
  - { id: who, type: STRING }
tasks:
  - id: flaky
    type: test.Flaky
    key: nex
    failures: 1
    retry: { type: constant, interval: PT0.01S, maxAttempt: 3, behavior: CREATE_NEW_EXECUTION }
  - id: report
    type: core.Return
    format: "{{ inputs.who }} {{ execution.originalId }}"
`);
    const first = await h.executions.create({ flow, inputs: { who: "ada" } });
    const retried = await h.waitFor(first.id, (e) => isTerminal(e.state.current));
    expect(retried.execution.state.current).toBe("RETRIED");
    expect(retried.taskRuns.find((t) => t.taskId === "flaky")!.state.current).toBe("RETRIED");
    let next: Awaited<ReturnType<typeof h.repository.searchExecutions>>["results"][number] | undefined;
    for (const end = Date.now() + 20_000; !next && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      next = (await h.repository.searchExecutions({ namespace: "test.retry", flowId: "new-execution-retry", page: 1, size: 10 })).results.find((e) => e.id !== first.id);
    }
    const done = await h.waitFor(next!.id, (e) => isTerminal(e.state.current));
    expect(done.execution).toMatchObject({ originalId: first.id, replayOf: first.id, attemptNumber: 2, labels: { team: "data", "system.replay": "true", "system.correlationId": first.id } });
    expect(done.execution.state.current).toBe("SUCCESS");
    const report = done.taskRuns.find((t) => t.taskId === "report")!;
    expect(await h.store.read(report.outputsUri!)).toEqual({ value: `ada ${first.id}` });
  });

  it("the Subflow task's deprecated outputs render against the child once it ended; inheritLabels passes the parent's labels", async () => {
    await h.deploy(`
id: plain-child
namespace: test.retry
tasks:
  - { id: make, type: core.Return, format: "made by {{ labels.team }}" }
`);
    const r = await h.run(`
id: legacy-outputs
namespace: test.retry
labels: { team: data }
tasks:
  - id: call
    type: core.Subflow
    namespace: test.retry
    flowId: plain-child
    inheritLabels: true
    outputs:
      made: "{{ outputs.make.value }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("call")).toMatchObject({ state: "SUCCESS", outputs: { made: "made by data" } });
  });
});
