import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/ferry-process.js";

/** `ferry config check --connect` against this machine's PostgreSQL, MariaDB and Redis, and against a port nothing listens on */
const POSTGRES = process.env.FERRY_TEST_POSTGRES_URL;
const MYSQL = process.env.FERRY_TEST_MYSQL_URL;
const REDIS = process.env.FERRY_TEST_REDIS_URL;
const all = POSTGRES && MYSQL && REDIS;
if (!all) console.warn("\n*** SKIPPING config check --connect tests: set FERRY_TEST_POSTGRES_URL, FERRY_TEST_MYSQL_URL and FERRY_TEST_REDIS_URL ***\n");

/** the URL with its port replaced by one nothing listens on */
const wrongPort = (url: string) => {
  const u = new URL(url);
  u.port = "1";
  return u.toString();
};

describe.skipIf(!all)("ferry config check --connect", () => {
  it("says which services answered, and refuses one out of reach with exit 1, naming it", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-connect-"));
    for (const [name, repository] of [["postgres", POSTGRES!], ["mysql", MYSQL!]] as const) {
      await writeFile(join(cwd, `${name}.yaml`), `repository: { type: ${name}, url: "${repository}" }\nqueue: { type: redis, url: "${REDIS}" }\n`);
      const ok = await runCli(["config", "check", "--connect", "-c", `${name}.yaml`], { cwd });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`connected: [^\\n]*repository[^\\n]*queue`));

      await writeFile(join(cwd, `${name}-down.yaml`), `repository: { type: ${name}, url: "${wrongPort(repository)}" }\nqueue: { type: redis, url: "${REDIS}" }\n`);
      const down = await runCli(["config", "check", "--connect", "-c", `${name}-down.yaml`], { cwd });
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(new RegExp(`config check --connect: repository \\((postgres|mysql)\\): cannot connect to (PostgreSQL|MySQL)[^\\n]*127\\.0\\.0\\.1:1`, "i"));
      expect(down.stderr.trim().split("\n")).toHaveLength(1);
    }
  }, 60_000);
});
