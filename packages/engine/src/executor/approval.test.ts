import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { resumeCommand } from "../resume-request.js";
import { reviewCommand, type ReviewBody } from "../review-request.js";

/** Kestra's Approval (core/src/main/java/io/kestra/plugin/core/flow/Approval.java), its flows approval-*.yaml and ApprovalTest */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const paused = (e: ExecutionRecord) => e.state.current === "PAUSED";
const ended = (e: ExecutionRecord) => isTerminal(e.state.current);

async function startPaused(source: string, inputs?: Record<string, unknown>) {
  const flow = await h.deploy(source);
  const execution = await h.executions.create({ flow, ...(inputs ? { inputs } : {}) });
  const found = await h.waitFor(execution.id, paused);
  return { flow, id: execution.id, found };
}

async function command(id: string, body: ReviewBody, by?: string) {
  const found = (await h.repository.getExecution(id))!;
  const flow = await h.flows.get(found.execution.namespace, found.execution.flowId, found.execution.flowRevision);
  return reviewCommand(found, flow, h.registry, h.store, body, by ? { by } : {});
}
const review = async (id: string, body: ReviewBody, by?: string) => h.executor.handle(await command(id, body, by));

const BASIC = (id: string, extra = "") => `
id: ${id}
namespace: test.approval
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
${extra}    onWait:
      - { id: notify, type: core.Log, message: "Approval requested" }
    onApprove:
      - { id: approved, type: core.Log, message: "Approved: {{ outputs.approval.decision }}" }
    onDeny:
      - { id: denied, type: core.Log, message: "Denied" }
  - { id: last, type: core.Log, message: "after the approval" }
`;

describe("core.Approval: runs onWait, waits PAUSED for a review, then the decision's branch", () => {
  it("approved (approval-basic): onWait ran before the pause, onApprove after, the outputs say who decided what", async () => {
    const { id, found } = await startPaused(BASIC("approval-basic"));
    expect(found.taskRuns.map((r) => [r.taskId, r.state.current])).toEqual([["approval", "PAUSED"], ["notify", "SUCCESS"]]);
    await review(id, { decision: "APPROVED", comment: "looks good" }, "alice");
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSING", "PAUSED", "RUNNING", "SUCCESS"]);
    expect(r.state("approval")).toBe("SUCCESS");
    expect(r.state("approved")).toBe("SUCCESS");
    expect(r.state("denied")).toBeUndefined();
    expect(r.state("last")).toBe("SUCCESS");
    const outputs = (await r.outputs("approval")) as Record<string, unknown>;
    expect(outputs).toMatchObject({ decision: "APPROVED", auto: false, by: "alice", comment: "looks good", inputs: {} });
    expect(Date.parse(String(outputs.on))).not.toBeNaN();
    expect(r.messages()).toContain("Approved: APPROVED");
  });

  it("denied (approval-deny-behavior-cancel): onDeny runs, then the default denyBehavior CANCEL ends the execution CANCELLED; nothing after it runs", async () => {
    const { id } = await startPaused(BASIC("approval-deny"));
    await review(id, { decision: "DENIED", comment: "no" });
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("CANCELLED");
    expect(r.state("denied")).toBe("SUCCESS");
    expect(r.state("approval")).toBe("CANCELLED");
    expect(r.state("approved")).toBeUndefined();
    expect(r.state("last")).toBeUndefined();
    expect(await r.outputs("approval")).toMatchObject({ decision: "DENIED", comment: "no" });
  });

  it("denyBehavior CONTINUE, WARN and FAIL map the task run's state; approveBehavior SUCCEED ends the execution SUCCESS at once", async () => {
    for (const [behavior, execution, task] of [["CONTINUE", "SUCCESS", "SUCCESS"], ["WARN", "WARNING", "WARNING"], ["FAIL", "FAILED", "FAILED"]] as const) {
      const { id } = await startPaused(BASIC(`approval-deny-${behavior.toLowerCase()}`, `    denyBehavior: ${behavior}\n`));
      await review(id, { decision: "DENIED" });
      const r = await h.result((await h.waitFor(id, ended)).execution.id);
      expect([behavior, r.execution.state.current, r.state("approval"), r.state("denied")]).toEqual([behavior, execution, task, "SUCCESS"]);
    }
    const { id } = await startPaused(BASIC("approval-approve-succeed", "    approveBehavior: SUCCEED\n"));
    await review(id, { decision: "APPROVED" });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect([r.execution.state.current, r.state("approval"), r.state("approved"), r.state("last")]).toEqual(["SUCCESS", "SUCCESS", "SUCCESS", undefined]);
  });

  it("a failing branch is never hidden by the behavior (approval-approve-behavior-succeed-with-failing-onapprove)", async () => {
    const { id } = await startPaused(`
id: approval-failing-branch
namespace: test.approval
tasks:
  - id: approval
    type: core.Approval
    approveBehavior: SUCCEED
    onApprove:
      - { id: fail, type: core.Fail }
`);
    await review(id, { decision: "APPROVED" });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect([r.execution.state.current, r.state("approval"), r.state("fail")]).toEqual(["FAILED", "FAILED", "FAILED"]);
  });

  it("autoApprove (approval-auto-approve): no pause, no onWait; onApprove at once, with auto: true", async () => {
    const r = await h.run(BASIC("approval-auto", "    autoApprove: true\n"));
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.state.histories.map((s) => s.state)).not.toContain("PAUSED");
    expect([r.state("notify"), r.state("approved"), r.state("denied"), r.state("last")]).toEqual([undefined, "SUCCESS", undefined, "SUCCESS"]);
    expect(await r.outputs("approval")).toEqual({ auto: true, decision: "APPROVED" });
  });

  it("a request nobody reviews expires (approval-expire): no branch, its finally runs, expireBehavior CANCEL cancels; due is the PAUSED date + timeout", async () => {
    const { id, found } = await startPaused(`
id: approval-expire
namespace: test.approval
tasks:
  - id: approval
    type: core.Approval
    timeout: PT0.5S
    onApprove:
      - { id: approved, type: core.Log, message: Approved }
    finally:
      - { id: cleanup, type: core.Log, message: Cleanup }
`);
    const pausedAt = Date.parse(found.taskRuns[0].state.histories.find((s) => s.state === "PAUSED")!.date);
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("CANCELLED");
    expect([r.state("approval"), r.state("approved"), r.state("cleanup")]).toEqual(["CANCELLED", undefined, "SUCCESS"]);
    const outputs = (await r.outputs("approval")) as Record<string, unknown>;
    expect(outputs).toMatchObject({ decision: "EXPIRED", auto: false });
    expect(outputs.by).toBeUndefined();
    expect(Date.parse(String(outputs.due))).toBe(pausedAt + 500);
  });

  it("the expiry outlives a restart of the process: the reconciler arms it again from the repository", async () => {
    const first = await createEngineHarness();
    const flow = await first.deploy(`id: approval-expire-restart\nnamespace: test.approval\ntasks:\n  - { id: approval, type: core.Approval, timeout: PT1S, expireBehavior: CONTINUE }\n  - { id: after, type: core.Log, message: after the expiry }\n`);
    const { id } = await first.executions.create({ flow });
    await first.waitFor(id, paused);
    await first.close(true); // the queue and its delayed wake-up are gone
    const second = await createEngineHarness([], { dir: first.dir });
    try {
      const r = await second.result((await second.waitFor(id, ended)).execution.id);
      expect([r.execution.state.current, r.state("approval"), r.state("after")]).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
      expect(await r.outputs("approval")).toMatchObject({ decision: "EXPIRED" });
    } finally {
      await second.close();
    }
  });

  it("refuses what does not apply (422, 409), changing nothing: a bad decision, a missing required comment, wrong inputs, a second review, a resume", async () => {
    const { id, flow } = await startPaused(`
id: approval-refusals
namespace: test.approval
tasks:
  - id: approval
    type: core.Approval
    commentRequired: ON_DENY
    decisions: { approve: Continue, deny: Stop }
    inputs:
      - { id: ticket, type: INT }
`);
    await expect(command(id, {})).rejects.toMatchObject({ status: 422, message: expect.stringContaining("decision is required") });
    await expect(command(id, { decision: "MAYBE" })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("'MAYBE' is not one of APPROVED or DENIED ('Continue' or 'Stop')") });
    await expect(command(id, { decision: "Stop", inputs: { ticket: 1 } })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("a comment is required to deny") });
    await expect(command(id, { decision: "APPROVED" })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("ticket") });
    await expect(command(id, { decision: "APPROVED", inputs: { ticket: "many" } })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("ticket") });
    await expect(command(id, { decision: "APPROVED", inputs: { ticket: 1, other: 2 } })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("'other'") });
    await expect(command(id, { decision: "APPROVED", inputs: [1] })).rejects.toMatchObject({ status: 422 });
    const found = (await h.repository.getExecution(id))!;
    await expect(resumeCommand(found, flow, h.registry, {}).then((c) => h.executor.handle(c))).rejects.toMatchObject({ status: 409, message: expect.stringContaining("review it") });
    expect((await h.repository.getExecution(id))!.execution.state.current).toBe("PAUSED");
    const approve = await command(id, { decision: "Continue", inputs: { ticket: "42" } });
    await h.executor.handle(approve);
    await expect(h.executor.handle({ ...approve, decision: "DENIED" })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("is not paused") });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("approval")).toMatchObject({ decision: "APPROVED", inputs: { ticket: 42 } });
    await expect(command(id, { decision: "APPROVED", inputs: { ticket: 1 } })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("SUCCESS") });
  });

  it("siblings in a Parallel wait each for their own review; a Pause beside an Approval is the one resumed (approval-parallel, approval-pause-mix-first)", async () => {
    const { id, found } = await startPaused(`
id: approval-parallel
namespace: test.approval
tasks:
  - id: parallel
    type: core.Parallel
    tasks:
      - id: approvalA
        type: core.Approval
        onApprove: [{ id: approvedA, type: core.Log, message: A }]
      - id: pause
        type: core.Pause
      - id: approvalB
        type: core.Approval
        onApprove: [{ id: approvedB, type: core.Log, message: B }]
`);
    let now = found;
    for (const end = Date.now() + 20_000; now.taskRuns.filter((r) => r.state.current === "PAUSED").length < 3 && Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
      now = (await h.repository.getExecution(id))!;
    }
    const flow = await h.flows.get(now.execution.namespace, now.execution.flowId, now.execution.flowRevision);
    const resumed = await resumeCommand(now, flow, h.registry, {});
    expect(now.taskRuns.find((r) => r.id === resumed.taskRunId)!.taskId).toBe("pause");
    await h.executor.handle(resumed);
    await review(id, { decision: "APPROVED", taskRunId: now.taskRuns.find((r) => r.taskId === "approvalB")!.id });
    expect((await h.repository.getExecution(id))!.execution.state.current).toBe("PAUSED");
    await review(id, { decision: "APPROVED" });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect([r.execution.state.current, r.state("approvedA"), r.state("approvedB"), r.state("pause")]).toEqual(["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
  });

  it("onWait failing fails the task (its finally runs once); with allowFailure the request waits all the same (approval-finally-fail, approval-finally-allow-failure)", async () => {
    const failed = await h.run(`
id: approval-onwait-fails
namespace: test.approval
tasks:
  - id: approval
    type: core.Approval
    onWait: [{ id: waitFail, type: core.Fail }]
    onApprove: [{ id: approved, type: core.Log, message: Approved }]
    finally: [{ id: cleanup, type: core.Log, message: Cleanup }]
`);
    expect([failed.execution.state.current, failed.state("approval"), failed.state("cleanup"), failed.state("approved")]).toEqual(["FAILED", "FAILED", "SUCCESS", undefined]);
    const { id, found } = await startPaused(`
id: approval-onwait-allowed
namespace: test.approval
tasks:
  - id: approval
    type: core.Approval
    allowFailure: true
    onWait: [{ id: waitFail, type: core.Fail }]
    onApprove: [{ id: approved, type: core.Log, message: Approved }]
    finally: [{ id: cleanup, type: core.Log, message: Cleanup }]
`);
    expect(found.taskRuns.find((r) => r.taskId === "cleanup")).toBeUndefined();
    await review(id, { decision: "APPROVED" });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect([r.execution.state.current, r.state("approved"), r.state("cleanup")]).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
  });

  it("denyBehavior KILL kills what still runs beside it (approval-deny-behavior-kill)", async () => {
    const { id } = await startPaused(`
id: approval-kill
namespace: test.approval
tasks:
  - id: parallel
    type: core.Parallel
    tasks:
      - { id: sleep, type: core.Sleep, duration: PT30S }
      - id: approval
        type: core.Approval
        denyBehavior: KILL
        onDeny: [{ id: denied, type: core.Log, message: Denied }]
`);
    await review(id, { decision: "DENIED" });
    const r = await h.result((await h.waitFor(id, ended, 5000)).execution.id);
    expect([r.execution.state.current, r.state("sleep"), r.state("approval"), r.state("denied")]).toEqual(["KILLED", "KILLED", "KILLED", "SUCCESS"]);
  });

  it("an execution ended by a behavior still runs the flow's finally (approval-flow-finally-deny, -succeed)", async () => {
    for (const [extra, decision, end, approval] of [["", "DENIED", "CANCELLED", "CANCELLED"], ["    approveBehavior: SUCCEED\n", "APPROVED", "SUCCESS", "SUCCESS"]] as const) {
      const { id } = await startPaused(`id: approval-flow-finally-${decision.toLowerCase()}\nnamespace: test.approval\ntasks:\n  - id: approval\n    type: core.Approval\n${extra}  - { id: after, type: core.Log, message: after }\nfinally:\n  - { id: cleanup, type: core.Log, message: cleanup }\n`);
      await review(id, { decision });
      const r = await h.result((await h.waitFor(id, ended)).execution.id);
      expect([r.execution.state.current, r.state("approval"), r.state("after"), r.state("cleanup")]).toEqual([end, approval, undefined, "SUCCESS"]);
    }
  });

  it("refuses Kestra Enterprise's properties at deploy, naming them (approval-ee-property)", async () => {
    await expect(h.deploy(`id: approval-ee\nnamespace: test.approval\ntasks:\n  - { id: approval, type: core.Approval, title: Deploy to production }\n`)).rejects.toThrow(/title.*Enterprise Edition property of Approval/);
    await expect(h.deploy(`id: approval-assign\nnamespace: test.approval\ntasks:\n  - { id: approval, type: core.Approval, assignment: { users: [a] } }\n`)).rejects.toThrow(/assignment.*Enterprise Edition property/);
    await expect(h.deploy(`id: approval-bad-behavior\nnamespace: test.approval\ntasks:\n  - { id: approval, type: core.Approval, denyBehavior: LATER }\n`)).rejects.toThrow(/denyBehavior is one of CONTINUE, WARN, FAIL, SUCCEED, CANCEL, KILL/);
    await expect(h.deploy(`id: approval-bad-comment\nnamespace: test.approval\ntasks:\n  - { id: approval, type: core.Approval, commentRequired: SOMETIMES }\n`)).rejects.toThrow(/commentRequired is one of NEVER, ALWAYS, ON_DENY, ON_APPROVE/);
    await expect(h.deploy(`id: approval-bad-input\nnamespace: test.approval\ntasks:\n  - { id: approval, type: core.Approval, inputs: [{ id: x, type: NOPE }] }\n`)).rejects.toThrow(/NOPE|type/);
  });
});
