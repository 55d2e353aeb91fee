import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

const call = (method: string, path: string, body: unknown) => t.api(`/executions/${path}`, { method, body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } });
const start = async (flow: string) => ((await (await t.api(`/executions/bulk.test/${flow}`, { method: "POST" })).json()) as { id: string }).id;
const stateOf = async (id: string) => ((await (await t.api(`/executions/${id}`)).json()) as { state: { current: string } }).state.current;

describe("bulk kill and restart by ids", () => {
  it("kills every running execution named, and refuses the whole call when one cannot be killed", async () => {
    await t.deploy("id: slow\nnamespace: bulk.test\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT60S }\n");
    await t.deploy("id: quick\nnamespace: bulk.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\n");
    const running = [await start("slow"), await start("slow")];
    const ended = await start("quick");
    await t.waitForEnd(ended);

    const refused = await call("DELETE", "kill/by-ids", [...running, ended, "no-such-id"]);
    expect(refused.status).toBe(422);
    const body = (await refused.json()) as { message: string; invalids: Array<{ key: string; message: string }> };
    expect(body.invalids.map((i) => i.key).sort()).toEqual([ended, "no-such-id"].sort());
    expect(body.invalids.find((i) => i.key === ended)!.message).toContain("already ended");
    // all or none: nothing was killed
    for (const id of running) expect(await stateOf(id)).not.toMatch(/KILL/);

    const killed = await call("DELETE", "kill/by-ids", running);
    expect(await killed.json()).toEqual({ count: 2 });
    for (const id of running) expect((await t.waitForEnd(id)).state.current).toBe("KILLED");

    // now both are KILLED: they restart, the SUCCESS one does not
    const notRestartable = await call("POST", "restart/by-ids", [...running, ended]);
    expect(notRestartable.status).toBe(422);
    expect(((await notRestartable.json()) as { invalids: Array<{ key: string; message: string }> }).invalids).toEqual([{ key: ended, message: expect.stringContaining("only FAILED, KILLED or PAUSED") }]);
    const restarted = await call("POST", "restart/by-ids", running);
    expect(await restarted.json()).toEqual({ count: 2 });
    for (const id of running) expect(await stateOf(id)).not.toBe("KILLED");
    await call("DELETE", "kill/by-ids", running);
  });

  it("answers 400 to a body that is not a list of ids", async () => {
    for (const body of ["{}", '"abc"', "[1, 2]", "", "[\"\"]"]) {
      const response = await call("DELETE", "kill/by-ids", body);
      expect(response.status, body).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain("JSON array of execution ids");
    }
    const tooMany = await call("POST", "restart/by-ids", Array.from({ length: 1001 }, (_, i) => `id-${i}`));
    expect(tooMany.status).toBe(422);
  });
});
