import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlTestDatabase, MYSQL_URL } from "../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../repository-backends/postgres/src/test-database.test-support.js";
import { REPO_ROOT, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const RUNNER = join(REPO_ROOT, "../shared/conformance/run.py");
const available = existsSync(RUNNER);
if (!available) console.warn(`\n*** SKIPPING the Kestra conformance corpus: ${RUNNER} is not there (CI has shared/ beside the clone) ***\n`);

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** every repository the corpus runs on; the server is the same `ferry server local` */
const repositories: Array<{ name: string; enabled: boolean; env: () => Promise<Record<string, string>> }> = [
  { name: "sqlite", enabled: true, env: async () => ({}) },
  {
    name: "postgres",
    enabled: !!POSTGRES_URL,
    env: async () => {
      const db = await createPostgresTestDatabase();
      cleanups.push(db.drop);
      return { FERRY_REPOSITORY__TYPE: "postgres", FERRY_REPOSITORY__URL: db.url };
    },
  },
  {
    name: "mysql",
    enabled: !!MYSQL_URL,
    env: async () => {
      const db = await createMysqlTestDatabase();
      cleanups.push(db.drop);
      return { FERRY_REPOSITORY__TYPE: "mysql", FERRY_REPOSITORY__URL: db.url };
    },
  },
];

describe.skipIf(!available)("Kestra conformance corpus against a real `ferry server local`", () => {
  for (const repo of repositories) {
    it.skipIf(!repo.enabled)(`passes every case with ../shared/conformance/run.py on ${repo.name}`, async () => {
      const ferry: FerryProcess = await startFerryProcess({ env: await repo.env() });
      cleanups.push(ferry.stop);
      const run = spawnSync("python3", [RUNNER, "--url", ferry.url, "--verbose"], { encoding: "utf8", timeout: 120_000 });
      const lines = run.stdout.trim().split("\n");
      expect(run.stdout, run.stdout + run.stderr).toMatch(/^\d+ passed, 0 failed$/m);
      expect(lines.filter((l) => l.startsWith("ok ")).length).toBeGreaterThanOrEqual(20);
      expect(run.status).toBe(0);
    });
  }
});
