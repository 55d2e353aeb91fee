import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { reviewCommand, type ReviewBody } from "../review-request.js";

/*
 * The differences the tenth sweep found when Kestra's approval-*.yaml flows ran on `ferry server
 * local` against what ApprovalTest asserts (SWEEP.md, "Tenth pass"); each case names the
 * ApprovalTest method it follows. Our flows, shaped as Kestra's files are.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const ended = (e: ExecutionRecord) => isTerminal(e.state.current);

async function review(id: string, body: ReviewBody) {
  const found = (await h.repository.getExecution(id))!;
  const flow = await h.flows.get(found.execution.namespace, found.execution.flowId, found.execution.flowRevision);
  return h.executor.handle(await reviewCommand(found, flow, h.registry, h.store, body));
}

describe("core.Approval as ApprovalTest asserts it", () => {
  it("an Approval that expires in a Loop iteration cancels that iteration only: the Loop and its execution go on (shouldContinueTheParentExecutionWhenAnApprovalInALoopIterationExpires)", async () => {
    const r = await h.run(
      `id: approval-in-loop-expire
namespace: test.approvalcases
tasks:
  - id: each_task
    type: io.kestra.plugin.core.flow.Loop
    values: '["a"]'
    tasks:
      - id: approval
        type: io.kestra.plugin.core.flow.Approval
        timeout: PT0.2S
  - id: last
    type: io.kestra.plugin.core.debug.Return
    format: "done"
`,
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["each_task", "SUCCESS"], ["last", "SUCCESS"]]);
    expect(await r.outputs("each_task")).toMatchObject({ terminatedIterations: { CANCELLED: 1 } });
    const [iteration] = await r.iterations();
    expect(iteration.execution.state.current).toBe("CANCELLED");
    expect(await iteration.outputs("approval")).toMatchObject({ decision: "EXPIRED" });
  });

  it("denyBehavior CANCEL lets a running sibling end, SUCCESS, and ends the execution CANCELLED (shouldLetARunningSiblingFinishWhenDenyBehaviorIsCancel)", async () => {
    const flow = await h.deploy(`id: approval-deny-behavior-cancel-with-running-sibling
namespace: test.approvalcases
tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - { id: sleep, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.5S }
      - id: approval
        type: io.kestra.plugin.core.flow.Approval
        onDeny:
          - { id: denied, type: io.kestra.plugin.core.log.Log, message: Denied }
  - { id: after, type: io.kestra.plugin.core.log.Log, message: "never" }
`);
    const { id } = await h.executions.create({ flow });
    await h.waitFor(id, (e) => e.state.current === "PAUSED");
    await review(id, { decision: "DENIED", comment: "no" });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("CANCELLED");
    expect([r.state("sleep"), r.state("denied"), r.state("approval"), r.state("after")]).toEqual(["SUCCESS", "SUCCESS", "CANCELLED", undefined]);
    // the execution ended once the Sleep had
    expect(Date.parse(r.execution.state.endDate!)).toBeGreaterThanOrEqual(Date.parse(r.runs("sleep")[0].state.endDate!));
  });

  it("a second review, once the first one's branch ended the execution, is refused as not paused (shouldRefuseASecondDecisionOnTheSameTaskRun)", async () => {
    const flow = await h.deploy(`id: approval-basic
namespace: test.approvalcases
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    onApprove:
      - { id: approved, type: io.kestra.plugin.core.log.Log, message: Approved }
`);
    const { id } = await h.executions.create({ flow });
    await h.waitFor(id, (e) => e.state.current === "PAUSED");
    await review(id, { decision: "APPROVED", comment: "ok" });
    await h.waitFor(id, ended);
    await expect(review(id, { decision: "DENIED", comment: "changed my mind" })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("is not paused: it already ended SUCCESS") });
  });

  it("the execution is PAUSING while onWait runs, PAUSED once it ended (shouldRunOnApproveWhenApproved: histories contain PAUSING)", async () => {
    const flow = await h.deploy(`id: approval-basic-pausing
namespace: test.approvalcases
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    onWait:
      - { id: notify, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.3S }
    onApprove:
      - { id: approved, type: io.kestra.plugin.core.log.Log, message: Approved }
`);
    const { id } = await h.executions.create({ flow });
    const pausing = await h.waitFor(id, (e) => e.state.current === "PAUSING");
    expect(pausing.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["approval", "RUNNING"], ["notify", "RUNNING"]]);
    const found = await h.waitFor(id, (e) => e.state.current === "PAUSED");
    expect(found.execution.pausing).toBeUndefined();
    await review(id, { decision: "APPROVED", comment: "looks good" });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSING", "PAUSED", "RUNNING", "SUCCESS"]);
  });

  it("Approvals in a Parallel: PAUSED once both wait; denied one, approved the other, neither branch runs before both are decided, then CANCEL ends it (shouldPauseSiblingApprovalsIndependently, shouldCancelTheWholeExecutionEvenWhenASiblingApprovalIsApproved)", async () => {
    const flow = await h.deploy(`id: approval-parallel
namespace: test.approvalcases
tasks:
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: approvalA
        type: io.kestra.plugin.core.flow.Approval
        onWait:
          - { id: waitA, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.5S }
        onApprove: [{ id: approvedA, type: io.kestra.plugin.core.log.Log, message: "Approved A" }]
        onDeny: [{ id: deniedA, type: io.kestra.plugin.core.log.Log, message: "Denied A" }]
      - id: approvalB
        type: io.kestra.plugin.core.flow.Approval
        onWait:
          - { id: waitB, type: io.kestra.plugin.core.log.Log, message: "Approval B requested" }
        onApprove: [{ id: approvedB, type: io.kestra.plugin.core.log.Log, message: "Approved B" }]
        onDeny: [{ id: deniedB, type: io.kestra.plugin.core.log.Log, message: "Denied B" }]
`);
    const { id } = await h.executions.create({ flow });
    const found = await h.waitFor(id, (e) => e.state.current === "PAUSED");
    const byTask = (taskId: string) => found.taskRuns.find((t) => t.taskId === taskId)!;
    expect([byTask("approvalA").state.current, byTask("approvalB").state.current]).toEqual(["PAUSED", "PAUSED"]);
    await review(id, { decision: "DENIED", comment: "no", taskRunId: byTask("approvalA").id });
    await new Promise((r) => setTimeout(r, 300));
    const between = (await h.repository.getExecution(id))!;
    expect(between.execution.state.current).toBe("PAUSED");
    expect(between.taskRuns.some((t) => t.taskId === "deniedA")).toBe(false);
    await review(id, { decision: "APPROVED", comment: "ok", taskRunId: byTask("approvalB").id });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("CANCELLED");
    expect(r.runs("deniedA")).toHaveLength(1);
    expect(r.taskRuns.filter((t) => !isTerminal(t.state.current)).map((t) => [t.taskId, t.state.current])).toEqual([]);
  });
});
