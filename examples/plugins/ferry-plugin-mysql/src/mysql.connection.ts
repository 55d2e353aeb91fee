import { defineConnectionType, errorMessage, schema, UserError, z } from "@ferry/sdk";
import mysql from "mysql2/promise";

export const mysqlConnectionValues = z.strictObject({
  host: z.string().min(1),
  port: schema.int({ min: 1, max: 65535 }).default(3306),
  database: z.string().min(1),
  user: z.string().min(1),
  password: z.string().optional(),
  /** TLS to the server, its certificate checked */
  ssl: schema.bool().default(false),
});

export type MysqlConnectionValues = z.infer<typeof mysqlConnectionValues>;

/** one mysql2 connection on the connection's values; the caller ends it */
export function openMysql(values: MysqlConnectionValues): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: values.host, port: values.port, database: values.database, user: values.user, password: values.password, connectTimeout: 10_000,
    ...(values.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
  });
}

/** A MySQL or MariaDB database: where to connect and as whom, the password from a secret. */
export const mysqlConnectionType = defineConnectionType({
  type: "mysql",
  title: "MySQL or MariaDB database",
  description: "host, port, database, user, password (a secret) and ssl.",
  schema: mysqlConnectionValues,
  secretFields: ["password"],
  async test(values, { signal }) {
    let connection: mysql.Connection | undefined;
    const where = `MySQL at ${values.host}:${values.port}/${values.database} as ${values.user}`;
    try {
      if (signal.aborted) throw signal.reason;
      connection = await openMysql(values);
      await connection.query("select 1");
    } catch (error) {
      throw new UserError(`${where}: ${errorMessage(error)}`, { cause: error });
    } finally {
      await connection?.end().catch(() => undefined);
    }
  },
});
