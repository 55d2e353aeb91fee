import { defineTask, definePlugin, OperationalError, UnrecoverableError, UserError, z } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

// a task that fails its first `failures` runs per key: for retries and restarts
const calls = new Map<string, number>();
const flaky = defineTask({
  kind: "runnable",
  type: "test.Flaky",
  title: "fails a few times",
  properties: z.object({ key: z.string(), failures: z.number() }),
  async run(ctx, props) {
    const n = (calls.get(props.key) ?? 0) + 1;
    calls.set(props.key, n);
    if (n <= props.failures) throw new Error(`flaky failure ${n}`);
    ctx.logger.info(`flaky passed on call ${n}`);
    return { calls: n };
  },
});
const throwsPlainly = defineTask({
  kind: "runnable",
  type: "test.Throws",
  title: "throws a TypeError",
  properties: z.object({}),
  async run() {
    throw new TypeError("plugin bug: cannot read properties of undefined");
  },
});

// fails its first `failures` runs per key with the error class named
const typed = defineTask({
  kind: "runnable",
  type: "test.Typed",
  title: "fails a few times with a typed error",
  properties: z.object({ key: z.string(), failures: z.number(), as: z.enum(["user", "operational"]) }),
  async run(_ctx, props) {
    const n = (calls.get(props.key) ?? 0) + 1;
    calls.set(props.key, n);
    if (n <= props.failures) throw props.as === "user" ? new UserError(`the order ${n} is malformed`) : new OperationalError(`the ledger is out of reach (${n})`);
    return { calls: n };
  },
});

const unrecoverable = defineTask({
  kind: "runnable",
  type: "test.Unrecoverable",
  title: "fails for good",
  properties: z.object({ twin: z.boolean().default(false) }),
  async run(_ctx, { twin }) {
    if (!twin) throw new UnrecoverableError("the account is closed");
    // what another copy of the SDK (a plugin installed from outside) would throw
    const error = new Error("the account is closed, says another SDK");
    error.name = "UnrecoverableError";
    throw error;
  },
});

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness([definePlugin({ name: "test", version: "0", tasks: [flaky, throwsPlainly, unrecoverable, typed] })])));
afterAll(async () => h.close());

describe("retries, timeouts, errors, finally", () => {
  it("an UnrecoverableError fails the task at once, whatever its retry policy says", async () => {
    for (const twin of [false, true]) {
      const r = await h.run(`
id: unrecoverable
namespace: test.engine
tasks:
  - id: closed
    type: test.Unrecoverable
    twin: ${twin}
    retry: { type: constant, interval: PT0.05S, maxAttempt: 3 }
`);
      expect(r.execution.state.current).toBe("FAILED");
      expect(r.runs("closed")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED"]);
      expect(r.messages().some((m) => m.includes("(unrecoverable: not retried)"))).toBe(true);
    }
  });

  it("constant retry makes maxAttempt attempts in total, then the errors branch runs", async () => {
    const r = await h.run(`
id: retry-fail
namespace: test.engine
tasks:
  - id: always
    type: core.Fail
    errorMessage: failing attempt
    retry: { type: constant, interval: PT0.05S, maxAttempt: 3 }
errors:
  - { id: handler, type: core.Log, message: handled }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.runs("always")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "FAILED", "FAILED"]);
    expect(r.state("handler")).toBe("SUCCESS");
    expect(r.messages().filter((m) => m === "failing attempt")).toHaveLength(3);
    // core.Fail fails as its author asked (a UserError): no stack, as for a bug
    expect(r.logs.some((l) => l.message.startsWith("unexpected error"))).toBe(false);
  });

  it("exponential retry succeeds once the task recovers; outputs come from the good attempt", async () => {
    const r = await h.run(`
id: retry-ok
namespace: test.engine
tasks:
  - id: flaky
    type: test.Flaky
    key: exp
    failures: 2
    retry: { type: exponential, interval: PT0.02S, maxInterval: PT0.1S, maxAttempt: 5 }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("flaky")[0].attempts).toHaveLength(3);
    expect(await r.outputs("flaky")).toEqual({ calls: 3 });
  });

  it("timeout fails the task with Kestra's message and stops the flow", async () => {
    const started = Date.now();
    const r = await h.run(`
id: timeout
namespace: test.engine
tasks:
  - { id: slow, type: core.Sleep, duration: PT30S, timeout: PT0.3S }
  - { id: never, type: core.Log, message: never }
`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("slow")).toBe("FAILED");
    expect(r.messages()).toContain("Timeout after 00:00:00.300");
    expect(r.runs("never")).toHaveLength(0);
    // Kestra's TimeoutTest waits for two lines holding "Timeout": RunContextLogger logs the ERROR message, then the exception at TRACE
    const lines = r.logs.filter((l) => l.message.includes("Timeout"));
    expect(lines.map((l) => l.level)).toEqual(["ERROR", "TRACE"]);
    expect(lines[1].message).toBe("TimeoutError: Timeout after 00:00:00.300 (no stack: the executor held this wait, not a worker)");
  });

  it("a task timing out on a worker logs Kestra's two lines too: the message at ERROR, its stack at TRACE (TimeoutTest)", async () => {
    const r = await h.run(`
id: timeout-worker
namespace: test.engine
tasks:
  - { id: slow, type: test.WorkerWait, ms: 30000, timeout: PT0.3S }
`);
    expect(r.state("slow")).toBe("FAILED");
    const lines = r.logs.filter((l) => l.message.includes("Timeout"));
    expect(lines.map((l) => [l.level, l.message.split("\n")[0]])).toEqual([["ERROR", "Timeout after 00:00:00.300"], ["TRACE", "TimeoutError: Timeout after 00:00:00.300"]]);
    expect(lines[1].message).toMatch(/\n\s+at /);
  });

  it("allowFailure turns a failure into WARNING and the flow goes on", async () => {
    const r = await h.run(`
id: allow
namespace: test.engine
tasks:
  - { id: tolerated, type: core.Fail, allowFailure: true }
  - { id: next, type: core.Log, message: went on }
`);
    expect(r.execution.state.current).toBe("WARNING");
    expect(r.state("tolerated")).toBe("WARNING");
    expect(r.state("next")).toBe("SUCCESS");
  });

  it("finally runs after success and after failure; a failing finally fails the execution", async () => {
    const ok = await h.run(`
id: fin-ok
namespace: test.engine
tasks:
  - { id: work, type: core.Log, message: work }
finally:
  - { id: cleanup, type: core.Log, message: cleanup ran }
`);
    expect(ok.execution.state.current).toBe("SUCCESS");
    expect(ok.messages()).toContain("cleanup ran");
    const failed = await h.run(`
id: fin-fail
namespace: test.engine
tasks:
  - { id: boom, type: core.Fail }
errors:
  - { id: handler, type: core.Log, message: handler ran }
finally:
  - { id: cleanup, type: core.Log, message: cleanup ran }
`);
    expect(failed.execution.state.current).toBe("FAILED");
    expect(failed.messages()).toEqual(expect.arrayContaining(["handler ran", "cleanup ran"]));
    const broken = await h.run(`
id: fin-broken
namespace: test.engine
tasks:
  - { id: work, type: core.Log, message: work }
finally:
  - { id: cleanup, type: core.Fail, errorMessage: cleanup broke }
`);
    expect(broken.execution.state.current).toBe("FAILED");
  });

  it("resolves secret('NAME') from the configured backend where the task runs", async () => {
    const r = await h.run(`
id: secrets
namespace: test.engine
tasks:
  - { id: token, type: core.Return, format: "length {{ secret('API_TOKEN') | length }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("token")).toEqual({ value: "length 12" });
  });

  it("masks a resolved secret in the task's log lines", async () => {
    const r = await h.run(`
id: secret-logged
namespace: test.engine
tasks:
  - { id: say, type: core.Log, message: "the token is {{ secret('API_TOKEN') }}, again {{ secret('API_TOKEN') }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toContain("the token is ******, again ******");
  });

  it("fails a task whose secret is missing, naming the secret and the namespace", async () => {
    const r = await h.run(`
id: secret-missing
namespace: test.engine
tasks:
  - { id: token, type: core.Log, message: "{{ secret('NOPE') }}" }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages()).toContain("secret NOPE not found in namespace test.engine");
  });

  it("a plugin that throws an error of no Ferry class (a bug) fails its task run with the message, and its stack at TRACE for the plugin's author", async () => {
    const r = await h.run(`
id: throws
namespace: test.engine
tasks:
  - { id: bug, type: test.Throws }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.logs.filter((l) => l.level === "ERROR").map((l) => l.message)).toEqual(["plugin bug: cannot read properties of undefined"]);
    const stack = r.logs.find((l) => l.level === "TRACE" && l.message.startsWith("unexpected error (a bug in test.Throws?): TypeError: plugin bug"));
    expect(stack?.message).toMatch(/\n\s+at /);
  });

  it("an OperationalError is retried per the task's retry policy: the task succeeds once the failure passes, and without a policy it fails at once", async () => {
    const r = await h.run(`
id: transient
namespace: test.engine
tasks:
  - id: post
    type: test.Typed
    key: transient
    failures: 2
    as: operational
    retry: { type: constant, interval: PT0.02S, maxAttempt: 3 }
  - id: once
    type: test.Typed
    key: transient-no-policy
    failures: 1
    as: operational
`);
    expect(r.runs("post")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "FAILED", "SUCCESS"]);
    expect(await r.outputs("post")).toEqual({ calls: 3 });
    expect(r.messages()).toEqual(expect.arrayContaining(["the ledger is out of reach (1)", "the ledger is out of reach (2)"]));
    expect(r.runs("once")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED"]);
    expect(r.execution.state.current).toBe("FAILED");
    // a typed error says all in its message: no stack
    expect(r.logs.some((l) => l.message.startsWith("unexpected error"))).toBe(false);
  });

  it("a UserError fails the attempt with its message; the task's retry policy still applies, as Kestra's does", async () => {
    const r = await h.run(`
id: malformed
namespace: test.engine
tasks:
  - id: order
    type: test.Typed
    key: malformed
    failures: 5
    as: user
    retry: { type: constant, interval: PT0.02S, maxAttempt: 2 }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.runs("order")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "FAILED"]);
    expect(r.logs.filter((l) => l.level === "ERROR").map((l) => l.message)).toEqual(["the order 1 is malformed", "the order 2 is malformed"]);
    expect(r.logs.some((l) => l.message.startsWith("unexpected error"))).toBe(false);
  });

  it("a property that renders to the wrong type fails the task, naming the property", async () => {
    const r = await h.run(`
id: bad-prop
namespace: test.engine
tasks:
  - { id: nap, type: core.Sleep, duration: "{{ 'soon' }}" }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/property duration: expected an ISO-8601 duration/);
  });

  it("an undefined variable in a property fails the task, naming the variable", async () => {
    const r = await h.run(`
id: undefined-var
namespace: test.engine
tasks:
  - { id: log, type: core.Log, message: "{{ nothing.here }}" }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toContain("Unable to find `nothing` used in the expression `{{ nothing.here }}` at line 1");
  });
});

describe("kill and restart", () => {
  it("kill ends a running task, marks queued ones KILLED and never starts the rest", async () => {
    const flow = await h.deploy(`
id: killable
namespace: test.engine
tasks:
  - id: fan
    type: core.Parallel
    tasks:
      - { id: nap1, type: test.WorkerWait, ms: 30000 }
      - { id: nap2, type: test.WorkerWait, ms: 30000 }
  - { id: never, type: core.Log, message: never }
`);
    const execution = await h.executions.create({ flow });
    await h.waitFor(execution.id, (e) => e.state.current === "RUNNING");
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await h.executor.handle({ type: "kill", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "KILLED");
    expect(Date.now() - started).toBeLessThan(3000);
    const r = await h.result(execution.id);
    expect(r.state("nap1")).toBe("KILLED");
    expect(r.state("nap2")).toBe("KILLED");
    expect(r.state("fan")).toBe("KILLED");
    expect(r.runs("never")).toHaveLength(0);
    expect(r.execution.state.histories.map((s) => s.state)).toContain("KILLING");
  });

  it("kill never starts attempts still queued for a worker, and a restart runs them again", async () => {
    const flow = await h.deploy(`
id: killable-queue
namespace: test.engine
tasks:
  - id: loop
    type: core.ForEach
    values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    concurrencyLimit: 0
    tasks:
      - { id: nap, type: test.WorkerWait, ms: 500 }
`);
    const execution = await h.executions.create({ flow });
    await h.waitFor(execution.id, (e) => e.state.current === "RUNNING");
    await new Promise((r) => setTimeout(r, 100));
    await h.executor.handle({ type: "kill", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "KILLED");
    await new Promise((r) => setTimeout(r, 800));
    const killed = await h.result(execution.id);
    const ran = killed.runs("nap").filter((t) => t.state.histories.some((s) => s.state === "RUNNING"));
    expect(ran.length).toBeLessThanOrEqual(8); // the worker's concurrency: the rest never started
    expect(killed.runs("nap").every((t) => t.state.current === "KILLED")).toBe(true);

    await h.executor.handle({ type: "restart", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
    const after = await h.result(execution.id);
    expect(after.runs("nap").map((t) => t.state.current)).toEqual(Array(16).fill("SUCCESS"));
  });

  it("restart re-runs the failed task as a new attempt and keeps what succeeded", async () => {
    const flow = await h.deploy(`
id: restartable
namespace: test.engine
tasks:
  - { id: first, type: core.Return, format: done once }
  - { id: flaky, type: test.Flaky, key: restart, failures: 1 }
  - { id: last, type: core.Return, format: "{{ outputs.flaky.calls }}" }
errors:
  - { id: handler, type: core.Log, message: handler ran }
`);
    const execution = await h.executions.create({ flow });
    await h.waitFor(execution.id, (e) => e.state.current === "FAILED");
    const before = await h.result(execution.id);
    expect(before.state("handler")).toBe("SUCCESS");
    await h.executor.handle({ type: "restart", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
    const after = await h.result(execution.id);
    expect(after.runs("first")[0].id).toBe(before.runs("first")[0].id);
    expect(after.runs("flaky")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(await after.outputs("last")).toEqual({ value: "2" });
    expect(after.runs("handler")).toHaveLength(0);
  });

  it("restart refuses an execution that did not fail", async () => {
    const r = await h.run(`
id: fine
namespace: test.engine
tasks:
  - { id: ok, type: core.Log, message: ok }
`);
    await expect(h.executor.handle({ type: "restart", executionId: r.execution.id })).rejects.toThrow(/only FAILED, KILLED or PAUSED/);
  });
});

describe("a worker without a task's plugin", () => {
  let lacking: EngineHarness;
  beforeAll(async () => void (lacking = await createEngineHarness([definePlugin({ name: "test", version: "0", tasks: [throwsPlainly] })], { workerLacksExtras: true })));
  afterAll(async () => lacking.close());

  it("fails that task run clearly and keeps serving other tasks", async () => {
    const r = await lacking.run(`
id: needs-plugin
namespace: test.engine
tasks:
  - { id: bug, type: test.Throws }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/unknown task type 'test.Throws'; loaded plugins: @ferry\/plugin-core, engine-test \(on worker [0-9a-f-]+\)/);
    const ok = await lacking.run(`
id: core-only
namespace: test.engine
tasks:
  - { id: hi, type: core.Log, message: still serving }
`);
    expect(ok.execution.state.current).toBe("SUCCESS");
  });
});
