import { describe, expect, it } from "vitest";
import { z } from "zod";
import { connectionPropertiesOf, connectionProperty, connectionTypeOf, defineConnectionType, secretReferenceOf } from "./connection.js";
import { definePlugin } from "./plugin.js";

describe("connection types and properties", () => {
  it("a plugin declares connection types beside its tasks", () => {
    const postgres = defineConnectionType({ type: "postgres", title: "PostgreSQL", schema: z.strictObject({ url: z.string() }), secretFields: ["url"] });
    expect(definePlugin({ name: "p", version: "1", connectionTypes: [postgres] }).connectionTypes).toEqual([postgres]);
    expect(definePlugin({ name: "p", version: "1" }).connectionTypes).toEqual([]);
  });

  it("a connection property takes an id at deploy and a resolved connection at run, and names its type through wrappers", () => {
    const properties = z.strictObject({ connection: connectionProperty("postgres"), backup: connectionProperty("s3").optional(), sql: z.string() });
    expect(connectionPropertiesOf(properties)).toEqual({ connection: "postgres", backup: "s3" });
    expect(connectionTypeOf(z.string())).toBeUndefined();
    expect(properties.safeParse({ connection: "main_db", sql: "x" }).success).toBe(true);
    expect(properties.safeParse({ connection: { id: "main_db", type: "postgres", namespace: "c", values: { url: "u" } }, sql: "x" }).success).toBe(true);
    const refused = properties.safeParse({ connection: 42, sql: "x" });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe("expected the id of a connection of type postgres");
    expect(properties.safeParse({ connection: " ", sql: "x" }).success).toBe(false);
  });

  it("reads only whole secret references", () => {
    expect(secretReferenceOf("{{ secret('DB_PASSWORD') }}")).toBe("DB_PASSWORD");
    expect(secretReferenceOf('{{secret("A.B")}}')).toBe("A.B");
    expect(secretReferenceOf("  {{ secret( 'X' ) }} ")).toBe("X");
    expect(secretReferenceOf("pre {{ secret('X') }}")).toBeUndefined();
    expect(secretReferenceOf("{{ kv('X') }}")).toBeUndefined();
    expect(secretReferenceOf(42)).toBeUndefined();
  });
});
