import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const RUNNER = join(REPO_ROOT, "../shared/conformance/run.py");
const available = existsSync(RUNNER);
if (!available) console.warn(`\n*** SKIPPING the Kestra conformance corpus: ${RUNNER} is not there (CI has shared/ beside the clone) ***\n`);

describe.skipIf(!available)("Kestra conformance corpus against a real `ferry server local`", () => {
  let ferry: FerryProcess;
  beforeAll(async () => void (ferry = await startFerryProcess()));
  afterAll(async () => ferry?.stop());

  it("passes every case with ../shared/conformance/run.py", () => {
    const run = spawnSync("python3", [RUNNER, "--url", ferry.url, "--verbose"], { encoding: "utf8", timeout: 120_000 });
    const lines = run.stdout.trim().split("\n");
    expect(run.stdout, run.stdout + run.stderr).toMatch(/^\d+ passed, 0 failed$/m);
    expect(lines.filter((l) => l.startsWith("ok ")).length).toBeGreaterThanOrEqual(20);
    expect(run.status).toBe(0);
  });
});
