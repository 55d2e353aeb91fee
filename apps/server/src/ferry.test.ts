import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "./ferry.js";

const FLOW = `id: hello
namespace: local.mode
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hi
`;

describe("startFerry: local mode is the worker its caller composes", () => {
  let dir: string | undefined;
  let ferry: FerryServer | undefined;
  afterEach(async () => {
    await ferry?.close();
    ferry = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const start = async (inProcess?: typeof composeLocalWorker) => {
    dir = await mkdtemp(join(tmpdir(), "ferry-start-"));
    return startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess, logger: pino({ level: "silent" }) });
  };

  it("with composeLocalWorker, runs a flow's tasks in this process and says it is local", async () => {
    ferry = await start(composeLocalWorker);
    const api = (path: string, init?: RequestInit) => fetch(`${ferry!.url}/api/v1${path}`, init);
    expect((await api("/flows", { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
    const run = await api("/executions/local.mode/hello?wait=true", { method: "POST" });
    expect(run.status).toBe(200);
    expect(((await run.json()) as { state: { current: string } }).state.current).toBe("SUCCESS");
    expect(((await (await api("/server/info")).json()) as { role: string }).role).toBe("local");
  });

  it("without a worker it is a scheduler, which refuses the in-memory queue no other process can reach", async () => {
    await expect(start()).rejects.toThrow(/queue\.type: 'ferry server scheduler' dispatches to workers in other processes/);
  });
});
