import { connectionProperty, defineTask, z } from "@ferry/sdk";
import postgres from "postgres";
import { openPostgres, type PostgresConnectionValues } from "./postgres.connection.js";

/**
 * Kestra's `io.kestra.plugin.jdbc.postgresql.Query`, on postgres.js: runs one SQL statement
 * with positional parameters ($1, $2…), and fetches its rows (FETCH), its first row
 * (FETCH_ONE), stores them as a JSON-lines file (STORE), or nothing (NONE).
 */
export const queryTask = defineTask({
  kind: "runnable",
  type: "postgres.Query",
  aliases: ["io.kestra.plugin.jdbc.postgresql.Query"],
  title: "PostgreSQL query",
  description: "Runs one SQL statement on PostgreSQL: on a `connection` of type postgres, or at `url`, a connection string (keep it in a secret).",
  properties: z.object({
    /** a `postgres` connection of the flow's namespace (or a parent's) */
    connection: connectionProperty<PostgresConnectionValues>("postgres").optional(),
    url: z.string().min(1).optional(),
    sql: z.string().min(1),
    parameters: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).default([]),
    fetchType: z.enum(["FETCH", "FETCH_ONE", "STORE", "NONE"]).default("NONE"),
  }).refine((p) => (p.connection === undefined) !== (p.url === undefined), { message: "give either connection or url", path: ["connection"] }),
  outputs: z.object({ size: z.number(), rows: z.array(z.record(z.string(), z.unknown())).optional(), row: z.record(z.string(), z.unknown()).optional(), uri: z.string().optional() }),
  examples: [
    {
      title: "Query through a connection (host, user and the password's secret kept once, in the namespace)",
      flow: `id: open-orders
namespace: company.team
tasks:
  - id: orders
    type: postgres.Query
    connection: orders_db
    sql: select id from orders where status = $1
    parameters: [open]
    fetchType: FETCH
`,
    },
    {
      title: "Count a table's rows",
      flow: `id: count-orders
namespace: company.team
tasks:
  - id: count
    type: postgres.Query
    url: "{{ secret('ORDERS_DB_URL') }}"
    sql: select count(*)::int as n from orders where status = $1
    parameters: [open]
    fetchType: FETCH_ONE
`,
    },
  ],
  async run(ctx, props) {
    const sql = props.connection ? openPostgres(props.connection.values) : postgres(props.url!, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
    const query = sql.unsafe(props.sql, props.parameters as never[]);
    const cancel = () => void query.cancel();
    ctx.signal.addEventListener("abort", cancel, { once: true });
    try {
      const result = await query;
      const rows = [...result] as Array<Record<string, unknown>>;
      // a statement that returns no rows (update, delete) still says how many it touched
      const size = rows.length || result.count || 0;
      ctx.logger.info(`${size} row(s) (${props.fetchType})`);
      if (props.fetchType === "FETCH") return { size, rows };
      if (props.fetchType === "FETCH_ONE") return { size, row: rows[0] ? { ...rows[0] } : undefined };
      if (props.fetchType === "STORE") return { size, uri: await ctx.putFile("rows.jsonl", rows.map((r) => JSON.stringify(r)).join("\n")) };
      return { size };
    } finally {
      ctx.signal.removeEventListener("abort", cancel);
      await sql.end({ timeout: 5 });
    }
  },
});
