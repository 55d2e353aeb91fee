import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("a Pause whose wait elapsed FAILED runs its own errors and finally (Kestra's PauseTest)", () => {
  it("timeout: the Pause fails after its errors then its finally ran; the next task never runs", async () => {
    const r = await h.run(`
id: pause-timeout-handlers
namespace: test.engine
tasks:
  - id: pause
    type: core.Pause
    timeout: PT0.2S
    errors:
      - { id: on_error, type: core.Log, message: in error }
    finally:
      - { id: on_finally, type: core.Log, message: in finally }
  - { id: after, type: core.Log, message: after the pause }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(["pause", "on_error", "on_finally"].map((t) => r.state(t))).toEqual(["FAILED", "SUCCESS", "SUCCESS"]);
    expect(r.runs("after")).toEqual([]);
    expect(Date.parse(r.runs("on_finally")[0].state.startDate)).toBeGreaterThanOrEqual(Date.parse(r.runs("on_error")[0].state.endDate!));
    expect(r.runs("pause")[0].state.histories.map((x) => x.state)).toContain("PAUSED");
  });

  it("timeout with allowFailure: the finally runs, the Pause ends WARNING and the flow goes on (PauseTest.runTimeoutAllowFailure)", async () => {
    const r = await h.run(`
id: pause-fail-allowed
namespace: test.engine
tasks:
  - id: pause
    type: core.Pause
    timeout: PT0.2S
    allowFailure: true
    finally:
      - { id: on_finally, type: core.Log, message: in finally }
  - { id: after, type: core.Log, message: after the pause }
`);
    expect(r.execution.state.current).toBe("WARNING");
    expect(["pause", "on_finally", "after"].map((t) => r.state(t))).toEqual(["WARNING", "SUCCESS", "SUCCESS"]);
  });
});
