import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../../ferry.js";

let ferry: FerryServer;
let dir: string;
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-recursion-"));
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

describe("flows calling themselves", () => {
  const flowOf = (id: string, calls: string) => `id: ${id}\nnamespace: cycle.test\ntasks:\n  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: cycle.test\n    flowId: ${calls}\n`;
  const save = (source: string, method = "POST", path = "/flows") => api(path, { method, headers: { "content-type": "application/x-yaml" }, body: source });

  it("refuses a direct call at deploy, in Kestra's words, with the task's path and line", async () => {
    const { status, body } = await json(await save(flowOf("self", "self")));
    expect(status).toBe(422);
    expect(body.message).toBe("invalid flow: Recursive call to flow [cycle.test.self] (tasks[0], line 4)");
  });

  it("refuses a chain that comes back to the flow, on create and on update; a chain that does not is saved", async () => {
    expect((await save(flowOf("a", "b"))).status).toBe(200);
    expect((await save(flowOf("b", "c"))).status).toBe(200);
    const refused = await json(await save(flowOf("c", "a")));
    expect(refused.status).toBe(422);
    expect(refused.body.message).toBe("invalid flow: Recursive call to flow [cycle.test.c] through cycle.test.c → cycle.test.a → cycle.test.b → cycle.test.c (tasks[0], line 4)");
    expect((await api("/flows/cycle.test/c")).status).toBe(404);
    expect((await save(flowOf("c", "d"))).status).toBe(200);
    expect((await json(await save(flowOf("c", "a"), "PUT", "/flows/cycle.test/c"))).status).toBe(422);
    expect((await json(await api("/flows/cycle.test/c"))).body.revision).toBe(1);
  });
});
