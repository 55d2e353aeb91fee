import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlTestDatabase, MYSQL_URL } from "../../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../../../repository-backends/postgres/src/test-database.test-support.js";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

/**
 * Concurrent writes through the HTTP API of a real server, on each repository: 20 PUTs of one
 * KV key and 20 updates of one flow at once. Every answer is 200 or 409 (never a 500), the
 * final value is one of those written and readable, and each flow revision is an answer's.
 */
const WRITERS = 20;
const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const TARGETS: Array<{ name: string; enabled: boolean; config(): Promise<{ config: Record<string, unknown>; drop(): Promise<void> }> }> = [
  { name: "SQLite", enabled: true, config: async () => ({ config: {}, drop: async () => undefined }) },
  ...[
    { name: "PostgreSQL", enabled: !!POSTGRES_URL, type: "postgres", create: createPostgresTestDatabase },
    { name: "MariaDB", enabled: !!MYSQL_URL, type: "mysql", create: createMysqlTestDatabase },
  ].map((db) => ({
    name: db.name,
    enabled: db.enabled,
    config: async () => {
      const database = await db.create();
      // the distributed setup when Redis is there, else the memory queue: the writes under test are the repository's
      const prefix = `ferry-writes-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
      const queue = REDIS_URL ? { queue: { type: "redis", url: REDIS_URL, prefix } } : {};
      return { config: { repository: { type: db.type, url: database.url }, ...queue }, drop: database.drop };
    },
  })),
];

const tally = (statuses: number[]) => Object.fromEntries([...new Set(statuses)].sort().map((s) => [s, statuses.filter((x) => x === s).length]));
const flowSource = (id: string, note: string) => `id: ${id}\nnamespace: writes.team\ntasks:\n  - id: log\n    type: core.Log\n    message: "${note}"\n`;

for (const target of TARGETS) {
  describe.skipIf(!target.enabled)(`concurrent API writes: ${target.name}`, () => {
    let t: TestFerry;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const { config, drop: dropDatabase } = await target.config();
      drop = dropDatabase;
      t = await startTestFerry(config);
    });
    afterAll(async () => {
      await t?.close();
      await drop?.();
    });

    const putKv = (key: string, value: unknown) =>
      t.api(`/namespaces/writes.team/kv/${key}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(value) });
    const sendFlow = (method: "POST" | "PUT", source: string, id: string) =>
      t.api(method === "POST" ? "/flows" : `/flows/writes.team/${id}`, { method, body: source, headers: { "content-type": "application/x-yaml" } });

    it("20 PUTs of one new KV key, then 20 updates: all 200, the value is one of theirs and readable", async () => {
      for (const round of ["first", "update"]) {
        const values = Array.from({ length: WRITERS }, (_, i) => `${round}-${i}`);
        const statuses = await Promise.all(values.map(async (v) => (await putKv("shared", v)).status));
        console.log(`${target.name}: ${WRITERS} concurrent KV PUTs (${round} writes): ${JSON.stringify(tally(statuses))}`);
        expect(statuses.every((s) => s === 200)).toBe(true);
        const got = await t.api("/namespaces/writes.team/kv/shared");
        expect(got.status).toBe(200);
        expect(values).toContain(((await got.json()) as { value: unknown }).value);
        const listed = (await (await t.api("/namespaces/writes.team/kv")).json()) as Array<{ key: string }>;
        expect(listed.filter((e) => e.key === "shared")).toHaveLength(1);
      }
    });

    it("20 updates of one flow: all 200, one revision per changed source, the latest one answer's", async () => {
      expect((await sendFlow("POST", flowSource("updated", "start"), "updated")).status).toBe(200);
      // ten sources, each sent twice: the second of a pair may find its source already saved (unchanged)
      const sources = Array.from({ length: WRITERS }, (_, i) => flowSource("updated", `v${i % 10}`));
      const responses = await Promise.all(sources.map((s) => sendFlow("PUT", s, "updated")));
      const statuses = responses.map((r) => r.status);
      const answers = await Promise.all(responses.map(async (r) => (r.status === 200 ? ((await r.json()) as { revision: number }) : undefined)));
      const revisions = (await (await t.api("/flows/writes.team/updated/revisions")).json()) as Array<{ revision: number; source: string }>;
      console.log(`${target.name}: ${WRITERS} concurrent flow updates: ${JSON.stringify(tally(statuses))}, ${revisions.length} revisions`);
      expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
      expect(revisions.map((r) => r.revision)).toEqual(revisions.map((_, i) => i + 1));
      // each new revision was answered to a writer whose source it holds; unchanged answers name an existing one
      const answered = new Set(answers.flatMap((a) => (a ? [a.revision] : [])));
      expect(revisions.length).toBe(1 + answered.size);
      answers.forEach((a, i) => a && expect(revisions.find((r) => r.revision === a.revision)?.source).toBe(sources[i]));
      const latest = (await (await t.api("/flows/writes.team/updated")).json()) as { revision: number };
      expect(latest.revision).toBe(revisions.length);
    });

    it("20 creates of one flow: one 200, the others 409, one revision", async () => {
      const responses = await Promise.all(Array.from({ length: WRITERS }, (_, i) => sendFlow("POST", flowSource("created", `writer ${i}`), "created")));
      const statuses = responses.map((r) => r.status);
      console.log(`${target.name}: ${WRITERS} concurrent flow creates: ${JSON.stringify(tally(statuses))}`);
      expect(tally(statuses)).toEqual({ 200: 1, 409: WRITERS - 1 });
      for (const r of responses) if (r.status === 409) expect(((await r.json()) as { message: string }).message).toMatch(/already exists/);
      expect((await (await t.api("/flows/writes.team/created/revisions")).json()) as unknown[]).toHaveLength(1);
    });
  });
}
