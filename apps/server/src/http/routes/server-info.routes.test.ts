import { afterEach, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

describe("GET /api/v1/server/info", () => {
  let t: TestFerry | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("says which Ferry answers, its backends and that each answers, its plugins and workers", async () => {
    t = await startTestFerry();
    const response = await t.api("/server/info");
    expect(response.status).toBe(200);
    const info = (await response.json()) as { name: string; version: string; role: string; backends: unknown[]; plugins: Array<{ name: string }>; workers: number };
    expect(info).toMatchObject({ name: "ferry", version: "0.1.0", role: "local" });
    expect(info.backends).toEqual([
      { kind: "repository", type: "sqlite", status: "UP" },
      { kind: "storage", type: "local", status: "UP" },
      { kind: "secrets", type: "env", status: "UP" },
      { kind: "queue", type: "memory", status: "UP" },
    ]);
    expect(info.plugins.map((p) => p.name)).toEqual(["@ferry/plugin-core", "@ferry/plugin-script"]);
    expect(info.workers).toBeGreaterThanOrEqual(0);
  });

  it("reports a backend that does not answer as DOWN, with its error, and still answers 200", async () => {
    t = await startTestFerry();
    await t.ferry.backends.repository!.close?.();
    const info = (await (await t.api("/server/info")).json()) as { backends: Array<{ kind: string; status: string; message?: string }> };
    const repository = info.backends.find((b) => b.kind === "repository")!;
    expect(repository.status).toBe("DOWN");
    expect(repository.message).toMatch(/\S/);
    expect(info.backends.filter((b) => b.kind !== "repository").every((b) => b.status === "UP")).toBe(true);
  });
});
