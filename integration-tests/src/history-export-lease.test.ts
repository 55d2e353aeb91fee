import { createPostgresRepository } from "@ferry/repository-postgres";
import type { Repository } from "@ferry/sdk";
import { executionOf, logsOf } from "@ferry/testkit";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHistoryTestDatabase } from "../../history-backends/postgres/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../repository-backends/postgres/src/test-database.test-support.js";
import { freePort } from "./support/ferry-process.js";
import { FERRY, startProcess, waitForHealth, type Proc } from "./support/processes.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const NAMESPACE = "it.lease";

type History = { export: { active: boolean; caughtUp: boolean; exported: { executions: number } } };

/** saves ended executions with a line each in the primary, as the engine would */
async function seed(repository: Repository, count: number, ids: string[]): Promise<void> {
  const made = Array.from({ length: count }, () => executionOf({ namespace: NAMESPACE, created: new Date().toISOString() }));
  for (const e of made) await repository.saveExecution(e.execution, e.taskRuns);
  await repository.appendLogs(made.flatMap((e) => logsOf(e, 0, [{ message: `lease run ${e.execution.id}` }])).map(({ seq: _seq, ...line }) => line));
  ids.push(...made.map((e) => e.execution.id));
}

describe.skipIf(!POSTGRES_URL || !REDIS_URL)("history export lease: two server replicas on one primary", () => {
  let primaryDb: { url: string; drop(): Promise<void> };
  let historyDb: { url: string; drop(): Promise<void> };
  let repository: Repository;
  const servers: Proc[] = [];
  const urls: string[] = [];
  const ids: string[] = [];

  const history = async (url: string) => (await (await fetch(`${url}/api/v1/history`)).json()) as History;
  /** executions of the seeded namespace the server's history store answers */
  const total = async (url: string) => ((await (await fetch(`${url}/api/v1/executions/search?namespace=${NAMESPACE}&size=1`)).json()) as { total: number }).total;
  const activeGauge = async (url: string) => /^ferry_history_export_active (\d)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1];
  async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > timeoutMs) {
        // each replica's own account of its export (a CI run once saw the holder export nothing in 90 s, logging nothing)
        const statuses = await Promise.all(urls.map((url) => fetch(`${url}/api/v1/history`).then((r) => r.text(), (error: unknown) => String(error))));
        throw new Error(`timed out waiting for ${what}; /api/v1/history: ${statuses.join(" | ")}; output:\n${servers.map((s) => s.output().slice(-2000)).join("\n---\n")}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - started;
  }

  beforeAll(async () => {
    primaryDb = await createPostgresTestDatabase();
    historyDb = await createHistoryTestDatabase();
    repository = createPostgresRepository({ type: "postgres", url: primaryDb.url });
    await repository.init!();
    const dir = await mkdtemp(join(tmpdir(), "ferry-export-lease-"));
    const prefix = `ferry-it-lease-${Date.now().toString(36)}`;
    for (const name of ["a", "b"]) {
      const port = await freePort();
      await writeFile(
        join(dir, `${name}.yaml`),
        `server: { port: ${port} }\nrepository: { type: postgres, url: "${primaryDb.url}" }\nhistory: { type: postgres, url: "${historyDb.url}", exportLease: PT3S }\n` +
          `queue: { type: redis, url: "${REDIS_URL}", prefix: ${prefix} }\nstorage: { type: local, path: ${join(dir, "storage")} }\nlogging: { level: info }\n`,
      );
      servers.push(startProcess(process.execPath, [FERRY, "server", "scheduler", "--config", join(dir, `${name}.yaml`)], { cwd: dir }));
      urls.push(`http://127.0.0.1:${port}`);
    }
    for (const url of urls) await waitForHealth(url);
  }, 180_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await repository?.close?.();
    await historyDb?.drop();
    await primaryDb?.drop();
  });

  it("one replica exports at a time; SIGKILLed, the other takes over within the lease and exports what came after", async () => {
    await seed(repository, 50, ids);
    // exactly one holds the lease, and it exports everything
    await until("one exporter", async () => (await Promise.all(urls.map(activeGauge))).filter((a) => a === "1").length === 1, 30_000);
    const holder = (await activeGauge(urls[0])) === "1" ? 0 : 1;
    const other = 1 - holder;
    // Read from the history store, not the exporter's count: a pass that reads between two of the
    // seed's saves moves its cursor past a same-millisecond execution saved after it with a smaller
    // id; the sweep exports that one (it is what the sweep is for), and the count, of the forward
    // reads only, stays at 49 (a CI run waited 90 s on it). 7 s on a quiet box, ~10 s more with a sweep.
    await until("the first 50 in history", async () => (await total(urls[holder])) === 50, 90_000);
    expect((await history(urls[holder])).export.exported.executions).toBeGreaterThan(0);
    // the other replica stays idle for a few lease renewals
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await history(urls[other])).toMatchObject({ export: { active: false, exported: { executions: 0 } } });
    expect(await activeGauge(urls[other])).toBe("0");
    expect(servers[holder].output()).toMatch(/this server exports history now/);

    await servers[holder].stop("SIGKILL");
    await seed(repository, 50, ids);
    // the holder's last renewal lasts PT3S and the other tries every second; no bound on the wall
    // clock here (a loaded box stretches it), the lease's timing is export-lease.test.ts's
    await until("the other replica to take the lease", async () => (await activeGauge(urls[other])) === "1", 30_000);
    await until("every execution in history", async () => (await total(urls[other])) === 100, 90_000);
    const lines = (await (await fetch(`${urls[other]}/api/v1/logs/search?q=lease&namespace=${NAMESPACE}&size=1`)).json()) as { total: number };
    expect(lines.total).toBe(100);
    expect((await history(urls[other])).export.active).toBe(true);
  }, 300_000);
});
