import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

describe("GET /logs/{id}/follow with a backlog", () => {
  it("sends every stored line once, in order, as one `log` event each, though it writes them a thousand at a time", async () => {
    await t.deploy("id: chatty\nnamespace: logs.backlog\ntasks:\n  - id: lines\n    type: script.Shell\n    commands:\n      - seq 1 2500\n");
    const { id } = (await (await t.api("/executions/logs.backlog/chatty?wait=true", { method: "POST" })).json()) as { id: string };
    const text = await (await t.api(`/logs/${id}/follow`)).text();
    const events = text.split("\n\n").filter((block) => block.startsWith("event: log"));
    const numbers = events.map((block) => JSON.parse(block.split("\n")[1].slice("data: ".length)).message as string).filter((m) => /^\d+$/.test(m));
    expect(numbers).toEqual(Array.from({ length: 2500 }, (_, i) => String(i + 1)));
  }, 60_000);
});
