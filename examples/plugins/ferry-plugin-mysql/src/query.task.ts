import { connectionProperty, defineTask, UserError, z } from "@ferry/sdk";
import { openMysql, type MysqlConnectionValues } from "./mysql.connection.js";

/**
 * Kestra's `io.kestra.plugin.jdbc.mysql.Query` on a `mysql` connection: runs one SQL statement
 * with positional parameters (`?`), and fetches its rows (FETCH), its first row (FETCH_ONE),
 * stores them as a JSON-lines file (STORE), or nothing (NONE).
 */
export const queryTask = defineTask({
  kind: "runnable",
  type: "mysql.Query",
  aliases: ["io.kestra.plugin.jdbc.mysql.Query"],
  title: "MySQL query",
  description: "Runs one SQL statement on MySQL or MariaDB, on a `connection` of type mysql.",
  properties: z.strictObject({
    /** a `mysql` connection of the flow's namespace (or a parent's) */
    connection: connectionProperty<MysqlConnectionValues>("mysql"),
    sql: z.string().min(1),
    parameters: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).default([]),
    fetchType: z.enum(["FETCH", "FETCH_ONE", "STORE", "NONE"]).default("NONE"),
  }),
  outputs: z.object({ size: z.number(), rows: z.array(z.record(z.string(), z.unknown())).optional(), row: z.record(z.string(), z.unknown()).optional(), uri: z.string().optional() }),
  examples: [
    {
      title: "Open orders, through a connection kept in the namespace",
      flow: `id: open-orders
namespace: company.team
tasks:
  - id: orders
    type: mysql.Query
    connection: shop_db
    sql: select id from orders where status = ?
    parameters: [open]
    fetchType: FETCH
`,
    },
  ],
  async run(ctx, props) {
    const connection = await openMysql(props.connection.values);
    // a kill or timeout ends the connection, and with it the statement
    const stop = () => connection.destroy();
    ctx.signal.addEventListener("abort", stop, { once: true });
    try {
      let result: unknown;
      try {
        [result] = await connection.query(props.sql, props.parameters);
      } catch (error) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        throw new UserError(`mysql.Query: ${(error as Error).message}`, { cause: error });
      }
      // a statement that returns no rows (insert, update) answers how many it touched
      const rows = Array.isArray(result) ? (result as Array<Record<string, unknown>>).map((r) => ({ ...r })) : [];
      const size = Array.isArray(result) ? rows.length : Number((result as { affectedRows?: number }).affectedRows ?? 0);
      ctx.logger.info(`${size} row(s) (${props.fetchType})`);
      if (props.fetchType === "FETCH") return { size, rows };
      if (props.fetchType === "FETCH_ONE") return { size, row: rows[0] };
      if (props.fetchType === "STORE") return { size, uri: await ctx.putFile("rows.jsonl", rows.map((r) => JSON.stringify(r)).join("\n")) };
      return { size };
    } finally {
      ctx.signal.removeEventListener("abort", stop);
      await connection.end().catch(() => undefined);
    }
  },
});
