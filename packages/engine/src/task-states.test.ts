import { renderString } from "@ferry/core";
import { describe, expect, it } from "vitest";
import { tasksVariable, tasksWithStateFunction } from "./task-states.js";

describe("Kestra's tasks variable and tasksWithState()", () => {
  const tasks = tasksVariable([
    { taskId: "ok", state: "SUCCESS" },
    { taskId: "inner", value: "a", state: "SUCCESS" },
    { taskId: "inner", value: "b", state: "FAILED" },
    { taskId: "boom", state: "FAILED" },
  ]);

  it("keys states by task id, and by value for a task run once per value (RunVariables)", () => {
    expect(tasks).toEqual({ ok: { state: "SUCCESS" }, inner: { a: { state: "SUCCESS" }, b: { state: "FAILED" } }, boom: { state: "FAILED" } });
  });

  it("lists the runs in a state, in any case, with their value (TasksWithStateFunction)", async () => {
    const withState = tasksWithStateFunction(tasks);
    expect(await withState(["failed"], {})).toEqual([{ taskId: "inner", state: "FAILED", value: "b" }, { taskId: "boom", state: "FAILED" }]);
    expect(await withState([], { state: "SUCCESS" })).toEqual([{ taskId: "ok", state: "SUCCESS" }, { taskId: "inner", state: "SUCCESS", value: "a" }]);
    // the newest TasksWithStateFunction's argument default: FAILED
    expect(await withState([], {})).toEqual(await withState(["FAILED"], {}));
    expect(await tasksWithStateFunction(undefined)(["FAILED"], {})).toEqual([]);
  });

  it("prints each run's keys in the order Kestra's HashMap prints them (RunContextTest.failedTasksVariable, foreach-switch-failed.yaml)", async () => {
    const printed = await renderString("{{ tasksWithState('failed') }}", { variables: { tasks }, functions: { tasksWithState: tasksWithStateFunction(tasks) } });
    expect(printed).toBe('[{"state":"FAILED","value":"b","taskId":"inner"},{"state":"FAILED","taskId":"boom"}]');
  });

  it("answers `is empty` as Kestra's TasksWithStateFunctionTest asserts", async () => {
    const render = (template: string, tasks: Record<string, unknown>) => renderString(template, { variables: { tasks }, functions: { tasksWithState: tasksWithStateFunction(tasks) } });
    // shouldMatchWhenStateIsString
    const hello = { hello: { state: "SUCCESS" } };
    expect(await render("{{ tasksWithState(state='SUCCESS') is empty }}", hello)).toBe("false");
    expect(await render("{{ tasksWithState(state='SUCCESS') is not empty }}", hello)).toBe("true");
    expect(await render("{{ tasksWithState(state='FAILED') is empty }}", hello)).toBe("true");
    // shouldMatchNestedValueWhenStateIsEnum
    const loop = { loop: { "item-1": { state: "FAILED" } } };
    expect(await render("{{ tasksWithState(state='FAILED') is not empty }}", loop)).toBe("true");
    expect(await render("{{ tasksWithState(state='SUCCESS') is empty }}", loop)).toBe("true");
  });
});
