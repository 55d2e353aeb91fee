import { defineConnectionType, errorMessage, schema, UserError, z } from "@ferry/sdk";
import postgres from "postgres";

export const postgresConnectionValues = z.strictObject({
  host: z.string().min(1),
  port: schema.int({ min: 1, max: 65535 }).default(5432),
  database: z.string().min(1),
  user: z.string().min(1),
  password: z.string().optional(),
  /** as libpq's sslmode: disable, prefer (try TLS, fall back), require (TLS, any certificate), verify-full */
  sslmode: z.enum(["disable", "prefer", "require", "verify-full"]).default("disable"),
});

export type PostgresConnectionValues = z.infer<typeof postgresConnectionValues>;

/** a postgres.js client on the connection; the caller ends it */
export function openPostgres(values: PostgresConnectionValues): postgres.Sql {
  const ssl = values.sslmode === "disable" ? false : values.sslmode === "verify-full" ? "verify-full" : values.sslmode;
  return postgres({ host: values.host, port: values.port, database: values.database, username: values.user, password: values.password, ssl, max: 1, onnotice: () => undefined, connect_timeout: 10 });
}

/** A PostgreSQL database (Windmill's postgresql resource): where to connect and as whom, the password from a secret. */
export const postgresConnectionType = defineConnectionType({
  type: "postgres",
  title: "PostgreSQL database",
  description: "host, port, database, user, password (a secret) and sslmode, as libpq names them.",
  schema: postgresConnectionValues,
  secretFields: ["password"],
  async test(values, { signal }) {
    const sql = openPostgres(values);
    const query = sql`select 1 as ok`;
    const cancel = () => void query.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    try {
      await query;
    } catch (error) {
      throw new UserError(`PostgreSQL at ${values.host}:${values.port}/${values.database} as ${values.user}: ${errorMessage(error)}`, { cause: error });
    } finally {
      signal.removeEventListener("abort", cancel);
      await sql.end({ timeout: 5 });
    }
  },
});
