#!/usr/bin/env node
// Issue #18: what one save of a running execution appends to SQLite's WAL (the commit's cost is
// its pages). For each ferry checkout given (after `npm run build`), stores 20,000 ended
// executions, then saves one running execution N times in a chain (each with one new task run,
// the state kept, as a ForEach's events do), the WAL truncated before, and prints the WAL bytes
// and the CPU time per save.
//
//   node bench/sqlite-save-pages.js [--roots /work/main,.] [--saves 150]
//
// --saves stays under SQLite's automatic checkpoint (1,000 pages), which would start the WAL over.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({ options: { roots: { type: "string", default: ROOT }, saves: { type: "string", default: "150" } } });
const SAVES = Number(opts.saves);
if (!Number.isInteger(SAVES) || SAVES < 1 || SAVES > 200) throw new Error(`--saves takes an integer from 1 to 200, not '${opts.saves}'`);

async function measure(root) {
  const { createSqliteRepository } = await import(pathToFileURL(join(root, "repository-backends/sqlite/dist/index.js")).href);
  const { newId } = await import(pathToFileURL(join(root, "packages/sdk/dist/index.js")).href);
  const Database = createRequire(join(root, "repository-backends/sqlite/package.json"))("better-sqlite3");
  const dir = mkdtempSync(join(tmpdir(), "ferry-save-pages-"));
  const file = join(dir, "ferry.db");
  const repo = createSqliteRepository({ type: "sqlite", path: file });
  try {
    await repo.init();
    const now = () => new Date().toISOString();
    const execution = (current) => {
      const id = newId();
      return { id, namespace: "bench.pages", flowId: "f", flowRevision: 1, state: { current, histories: [{ state: current, date: now() }], startDate: now() }, labels: {}, created: now(), updated: now(), storagePrefix: `bench/pages/f/executions/${id}` };
    };
    // a history for the indexes to hold (saved together: one transaction per hundred)
    for (let i = 0; i < 200; i++) await Promise.all(Array.from({ length: 100 }, () => repo.saveExecution(execution("SUCCESS"))));
    const e = execution("RUNNING");
    await repo.saveExecution(e);
    await repo.saveExecution({ ...e, updated: now() }, [], { expectedVersion: 0 });
    const side = new Database(file);
    side.pragma("wal_checkpoint(TRUNCATE)");
    side.close();
    const wal0 = statSync(`${file}-wal`).size;
    const cpu0 = process.cpuUsage();
    for (let v = 1; v <= SAVES; v++) {
      const run = { id: newId(), executionId: e.id, namespace: e.namespace, flowId: e.flowId, taskId: "t", value: String(v), state: { current: "SUCCESS", histories: [{ state: "SUCCESS", date: now() }], startDate: now(), endDate: now() }, attempts: [] };
      await repo.saveExecution({ ...e, updated: now() }, [run], { expectedVersion: v });
    }
    const cpu = process.cpuUsage(cpu0);
    return { walBytes: Math.round((statSync(`${file}-wal`).size - wal0) / SAVES), cpuUs: Math.round((cpu.user + cpu.system) / SAVES) };
  } finally {
    await repo.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const root of opts.roots.split(",").map((r) => resolve(r))) {
  const { walBytes, cpuUs } = await measure(root);
  console.log(`${root.padEnd(28)} WAL ${String(walBytes).padStart(6)} bytes per save (${(walBytes / 4120).toFixed(1)} pages)  cpu ${String(cpuUs).padStart(4)} µs per save`);
}
