import { createServer, type Server } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, runCli } from "./support/ferry-process.js";

/*
 * A server whose port another process holds: before, "ferry: unexpected error: Error: listen
 * EADDRINUSE …" with its stack. The port is the configuration's to fix, so one line names it.
 */
let holder: Server;
let port: number;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-port-taken-"));
  port = await freePort();
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("ferry server local on a port another process holds", () => {
  it("exits 1 with one line naming server.port, no stack", async () => {
    const run = await runCli(["server", "local"], { cwd: dir, env: { FERRY_SERVER__PORT: String(port), FERRY_SERVER__HOST: "127.0.0.1" } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`ferry: invalid configuration at server.port: 127.0.0.1:${port} is already in use by another process`);
  }, 60_000);
});
