import { isUnavailable, withMappedErrors, type HistoryBatch } from "@ferry/sdk";
import { executionOf, logsOf, positionAfter } from "@ferry/testkit";
import { TcpProxy } from "@ferry/testkit/tcp-proxy";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresHistoryBackend, PostgresHistoryStore } from "./postgres.history.js";
import { createHistoryTestDatabase, POSTGRES_URL } from "./test-database.test-support.js";

const DAY = 86_400_000;

describe.skipIf(!POSTGRES_URL)("postgres history store: partitions, retention, outages", () => {
  let database: Awaited<ReturnType<typeof createHistoryTestDatabase>>;
  beforeAll(async () => void (database = await createHistoryTestDatabase()));
  afterAll(async () => database?.drop());

  const partitionsOf = async (url: string) => {
    const client = postgres(url, { max: 1, onnotice: () => undefined });
    try {
      const rows = await client<Array<{ name: string }>>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid order by 1`;
      return rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  };

  it("stores each day in its own partition, made as needed with the day after; retention drops whole past days", async () => {
    const now = Date.now();
    const store = new PostgresHistoryStore({ url: database.url, poolSize: 2, retention: "P3D" });
    try {
      const days = [10, 2, 0].map((ago) => executionOf({ namespace: "layout", created: new Date(now - ago * DAY).toISOString() }));
      const batch: HistoryBatch = { executions: days, logs: days.flatMap((e, i) => logsOf(e, i * 10 + 1, [{ message: `day ${i}` }])), metrics: [] };
      await store.write(batch, positionAfter(batch));
      const day = (ago: number) => new Date(now - ago * DAY).toISOString().slice(0, 10).replaceAll("-", "");
      const made = await partitionsOf(database.url);
      // ten days ago is past retention already: not written, so its partition is not made
      expect(made).not.toContain(`executions_p${day(10)}`);
      for (const ago of [2, 1, 0, -1]) expect(made).toContain(`executions_p${day(ago)}`);
      expect(made).toContain(`logs_p${day(2)}`);
      expect(await store.getExecution(days[0].execution.id)).toBeUndefined();
      // three days later, the day two days ago is wholly past retention
      const dropped = await store.applyRetention(now + 3 * DAY);
      expect(dropped).toContain(`executions_p${day(2)}`);
      expect(dropped).toContain(`logs_p${day(2)}`);
      expect(dropped).not.toContain(`executions_p${day(0)}`);
      expect(await store.getExecution(days[1].execution.id)).toBeUndefined();
      expect(await store.getExecution(days[2].execution.id)).toBeDefined();
      expect(await store.findLogs(days[2].execution.id)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("a database of the first layout (tables in public, no day table, log and label indexes with a pending list) becomes generation 1, rows and all", async () => {
    const old = await createHistoryTestDatabase();
    const store = new PostgresHistoryStore({ url: old.url, poolSize: 2 });
    const client = postgres(old.url, { max: 1, onnotice: () => undefined });
    try {
      const e = executionOf({ namespace: "first", created: new Date().toISOString(), labels: { team: "upgrade" } });
      const batch: HistoryBatch = { executions: [e], logs: logsOf(e, 1, [{ message: "kept across the upgrade" }]), metrics: [] };
      await store.write(batch, positionAfter(batch));
      await store.close();
      // back to the first layout: the tables and their partitions in public, as it made them
      await client.unsafe("drop view executions, execution_days, logs, metrics; drop table history_generations");
      const parts = await client<Array<{ name: string }>>`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'history_g1' and c.relkind in ('r', 'p')`;
      for (const table of ["executions", "logs", "metrics", "export_position"]) await client.unsafe(`alter table history_g1.${table} set schema public`);
      for (const { name } of parts) await client.unsafe(`alter table history_g1.${name} set schema public`);
      await client.unsafe("drop schema history_g1 cascade; drop index logs_words; create index logs_words on logs using gin (message_words)");
      await client.unsafe("drop index executions_labels; create index executions_labels on executions using gin (labels jsonb_path_ops)");

      const upgraded = new PostgresHistoryStore({ url: old.url, poolSize: 2 });
      try {
        expect((await upgraded.getExecution(e.execution.id))?.execution.id).toBe(e.execution.id);
        expect((await upgraded.searchLogs({ q: "upgrade", size: 5 })).results.map((l) => l.message)).toEqual(["kept across the upgrade"]);
        expect(await upgraded.position()).toEqual(positionAfter(batch));
        const indexes = await client<Array<{ name: string; options: string[] }>>`
          select c.relname as name, c.reloptions as options from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'history_g1' and c.relname in ('logs_words', 'executions_labels') order by 1`;
        expect(indexes).toEqual([{ name: "executions_labels", options: ["fastupdate=off"] }, { name: "logs_words", options: ["fastupdate=off"] }]);
        expect((await upgraded.searchExecutions({ labels: e.execution.labels, size: 5 })).results.map((x) => x.id)).toEqual([e.execution.id]);
        const [{ n }] = await client<Array<{ n: number }>>`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p')`;
        expect(n).toBe(1); // history_generations
      } finally {
        await upgraded.close();
      }
    } finally {
      await client.end();
      await old.drop();
    }
  });

  it("its database refusing connections, or dropped, is out of reach; created again empty, the store lays itself out again with no position", async () => {
    const own = await createHistoryTestDatabase();
    const name = new URL(own.url).pathname.slice(1);
    const admin = postgres(POSTGRES_URL!, { max: 1, onnotice: () => undefined });
    // a pool of one: postgres.js 3.4.x would keep the query the termination failed on its only
    // connection, whose refused reconnects then loop without end; the store replaces the pool
    const raw = new PostgresHistoryStore({ url: own.url, poolSize: 1 });
    const store = withMappedErrors(raw, (error) => postgresHistoryBackend.mapError!(error));
    try {
      const e = executionOf({ namespace: "dropped", created: new Date().toISOString() });
      const batch: HistoryBatch = { executions: [e], logs: logsOf(e, 1, [{ message: "before the drop" }]), metrics: [] };
      await store.write(batch, positionAfter(batch));
      await admin.unsafe(`alter database "${name}" with allow_connections false`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`;
      // the first call may meet its terminated connection (CONNECTION_CLOSED); the next one a refusal
      expect(isUnavailable(await store.searchExecutions({ namespace: "dropped", size: 5 }).catch((error: unknown) => error))).toBe(true);
      const refused = await store.searchExecutions({ namespace: "dropped", size: 5 }).catch((error: unknown) => error);
      expect([isUnavailable(refused), (refused as Error).message]).toEqual([true, expect.stringMatching(/^the history store \(postgres\) is out of reach: .*not currently accepting connections/)]);
      await admin.unsafe(`drop database "${name}" with (force)`);
      const dropped = await store.position().catch((error: unknown) => error);
      expect([isUnavailable(dropped), (dropped as Error).message]).toEqual([true, expect.stringMatching(/^the history store \(postgres\) is out of reach: database .* does not exist/)]);
      await admin.unsafe(`create database "${name}"`);
      // the first call may meet a terminated connection or find the layout gone and fail; the next lays it out again, empty
      await store.position().catch(() => undefined);
      expect(await store.position()).toBeUndefined();
      const again: HistoryBatch = { executions: [e], logs: logsOf(e, 1, [{ message: "after the drop" }]), metrics: [] };
      await store.write(again, positionAfter(again));
      expect((await store.findLogs(e.execution.id)).map((l) => l.message)).toEqual(["after the drop"]);
    } finally {
      await raw.close();
      await admin.unsafe(`alter database "${name}" with allow_connections true`).catch(() => undefined);
      await admin.end();
      await own.drop();
    }
  });

  it("refuses a log cursor it did not give and values PostgreSQL cannot hold, with 400", async () => {
    const store = new PostgresHistoryStore({ url: database.url, poolSize: 1 });
    try {
      for (const after of ["2026-02-30T00:00:00.000Z|1", "2026-01-01T00:00:00Z|1", "x|1", "2026-01-01T00:00:00.000Z|"]) {
        await expect(store.searchLogs({ q: "x", size: 5, after })).rejects.toMatchObject({ status: 400 });
      }
      await expect(store.searchLogs({ q: "a\u0000b", size: 5 })).rejects.toMatchObject({ status: 400 });
      await expect(store.searchExecutions({ size: 5, labels: { k: "\u0000" } })).rejects.toMatchObject({ status: 400 });
      await expect(store.searchLogs({ q: "  ", size: 5 })).rejects.toMatchObject({ status: 400 });
      expect(await store.getExecution("a\u0000")).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("out of reach: every call fails as an OperationalError; back, it creates its layout and works", async () => {
    const url = new URL(database.url);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    url.port = String(proxy.port);
    await proxy.cut();
    const raw = new PostgresHistoryStore({ url: url.toString(), poolSize: 2 });
    const store = withMappedErrors(raw, (error) => postgresHistoryBackend.mapError!(error));
    try {
      const failure = await store.init!().then(() => undefined, (e: unknown) => e);
      expect(isUnavailable(failure)).toBe(true);
      expect((failure as Error).message).toMatch(/history store \(postgres\) is out of reach/);
      await expect(store.searchExecutions({ size: 1 })).rejects.toThrow(/out of reach/);
      await proxy.restore();
      const e = executionOf({ namespace: "outage", created: new Date().toISOString() });
      const batch: HistoryBatch = { executions: [e], logs: [], metrics: [] };
      await store.write(batch, positionAfter(batch));
      expect((await store.getExecution(e.execution.id))?.execution.id).toBe(e.execution.id);
    } finally {
      await store.close!();
      await proxy.stop();
    }
  });
});
