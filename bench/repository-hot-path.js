#!/usr/bin/env node
// node bench/repository-hot-path.js [--db mysql,postgres] [--executions 300] [--rounds 3]
// (after `npm run build`; FERRY_BENCH_MYSQL_URL / FERRY_BENCH_POSTGRES_URL, a fresh database per run)
// The executor's repository hot path in one process: per execution a create, then three times
// a read and a save at its version with a task run — through the dialect's hand-written hot
// statements and through the shared drizzle queries they replace (SqlRepository's own
// methods, called on the same instance), alternating in rounds so the box's drift hits both.
import { SqlRepository } from "@ferry/repository-sql";
import { createMysqlRepository } from "@ferry/repository-mysql";
import { createPostgresRepository } from "@ferry/repository-postgres";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({ options: { db: { type: "string", default: "mysql,postgres" }, executions: { type: "string", default: "300" }, rounds: { type: "string", default: "3" } } });
const N = Number(opts.executions);

async function freshDatabase(db) {
  const name = `ferry_hot_${Date.now().toString(36)}`;
  if (db === "mysql") {
    const mysql = (await import("mysql2/promise")).default;
    const admin = await mysql.createConnection({ uri: process.env.FERRY_BENCH_MYSQL_URL });
    await admin.query(`create database \`${name}\``);
    const url = new URL(process.env.FERRY_BENCH_MYSQL_URL);
    url.pathname = `/${name}`;
    return { repo: createMysqlRepository({ type: "mysql", url: url.toString() }), drop: async () => (await admin.query(`drop database \`${name}\``), await admin.end()) };
  }
  const { default: postgres } = await import("postgres");
  const admin = postgres(process.env.FERRY_BENCH_POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(process.env.FERRY_BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { repo: createPostgresRepository({ type: "postgres", url: url.toString() }), drop: async () => (await admin.unsafe(`drop database "${name}" with (force)`), await admin.end()) };
}

const now = () => new Date().toISOString();
const executionOf = (id) => ({ id, namespace: "bench", flowId: "f", flowRevision: 1, state: { current: "CREATED", histories: [{ state: "CREATED", date: now() }] }, labels: { a: "b" }, created: now(), updated: now(), version: 0 });
const runOf = (e) => ({ id: `${e.id}-r`, executionId: e.id, taskId: "t", state: { current: "RUNNING", histories: [{ state: "RUNNING", date: now() }] }, attempts: [{ state: { current: "RUNNING", histories: [] } }] });

async function loop(path, prefix) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const e = executionOf(`${prefix}-${i}`);
    await path.save(e, [], {});
    for (let version = 0; version < 3; version++) {
      const { execution } = await path.get(e.id);
      await path.save({ ...execution, updated: now() }, [runOf(e)], { expectedVersion: version });
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: (performance.now() - t0) / N, cpu: (cpu.user + cpu.system) / 1000 / N };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const db of opts.db.split(",")) {
  if (!process.env[db === "mysql" ? "FERRY_BENCH_MYSQL_URL" : "FERRY_BENCH_POSTGRES_URL"]) {
    console.log(`${db}: skipped (no FERRY_BENCH_${db === "mysql" ? "MYSQL" : "POSTGRES"}_URL)`);
    continue;
  }
  const { repo, drop } = await freshDatabase(db);
  await repo.init();
  const paths = {
    drizzle: { save: (e, r, o) => SqlRepository.prototype.saveExecution.call(repo, e, r, o), get: (id) => SqlRepository.prototype.getExecution.call(repo, id) },
    hot: { save: (e, r, o) => repo.saveExecution(e, r, o), get: (id) => repo.getExecution(id) },
  };
  const seen = { drizzle: [], hot: [] };
  for (let round = 0; round < Number(opts.rounds); round++) for (const name of ["drizzle", "hot"]) seen[name].push(await loop(paths[name], `${name}${round}`));
  const [d, h] = [seen.drizzle, seen.hot].map((s) => ({ wall: median(s.map((x) => x.wall)), cpu: median(s.map((x) => x.cpu)) }));
  console.log(`${db.padEnd(8)} per execution (create + 3 × read and save): drizzle ${d.wall.toFixed(2)} ms wall, ${d.cpu.toFixed(2)} ms CPU; hot path ${h.wall.toFixed(2)} ms wall, ${h.cpu.toFixed(2)} ms CPU; ratio wall ×${(h.wall / d.wall).toFixed(2)}, CPU ×${(h.cpu / d.cpu).toFixed(2)}`);
  await repo.close();
  await drop();
}
