import { PluginRegistry } from "@ferry/core";
import { definePlugin, defineConnectionType, z, type ConnectionRecord, type SecretBackend } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { connectionsOnWorkersOnly } from "../secret-function.js";
import { checkConnection } from "./connection-input.js";
import { namespaceLineage } from "./connection-lookup.js";
import { resolveConnection } from "./resolve-connection.js";

const db = defineConnectionType({ type: "db", title: "DB", schema: z.strictObject({ host: z.string(), port: z.number().int(), password: z.string() }), secretFields: ["password"] });
const registry = new PluginRegistry([definePlugin({ name: "p", version: "1", connectionTypes: [db] })]);
/** secrets of `company`, seen from it and its children, as every backend looks at parents */
const secrets: SecretBackend = {
  get: async (namespace, name) => (namespace === "company" || namespace.startsWith("company.") ? ({ PW: "s3cret-pw", PORT: "5432" } as Record<string, string>)[name] : undefined),
  list: async () => ["PW", "PORT"],
};
const record = (values: Record<string, unknown>): ConnectionRecord => ({ namespace: "company", id: "main", type: "db", values, created: "", updated: "" });

describe("connections, resolved", () => {
  it("looks in the namespace, then its parents, nearest first", () => {
    expect(namespaceLineage("a.b.c")).toEqual(["a.b.c", "a.b", "a"]);
    expect(namespaceLineage("a")).toEqual(["a"]);
  });

  it("resolves secret references in its own namespace, hands each to the masker, and checks the whole against the type", async () => {
    const seen: string[] = [];
    const connection = await resolveConnection(record({ host: "h", port: 1, password: "{{ secret('PW') }}" }), registry, secrets, (v) => seen.push(v));
    expect(connection).toEqual({ id: "main", type: "db", namespace: "company", values: { host: "h", port: 1, password: "s3cret-pw" } });
    expect(seen).toEqual(["s3cret-pw"]);
    // a field given by a reference is checked once resolved: a secret's text is no number
    await expect(resolveConnection(record({ host: "h", port: "{{ secret('PORT') }}", password: "{{ secret('PW') }}" }), registry, secrets, () => undefined)).rejects.toThrow(
      "connection main of namespace company (db): values.port: Invalid input: expected number, received string",
    );
    await expect(resolveConnection(record({ host: "h", port: 1, password: "{{ secret('GONE') }}" }), registry, secrets, () => undefined)).rejects.toThrow(
      "connection main of namespace company: secret GONE not found in namespace company",
    );
    await expect(resolveConnection({ ...record({}), type: "unloaded" }, registry, secrets, () => undefined)).rejects.toThrow("connection main of namespace company: unknown connection type 'unloaded'; known types: db");
  });

  it("checks a save: fields given by a reference wait for the run, a missing field is named", async () => {
    await expect(checkConnection(registry, secrets, "company.team", "main", { type: "db", values: { host: "h", port: "{{ secret('PORT') }}", password: "{{ secret('PW') }}" } })).resolves.toBe(db);
    await expect(checkConnection(registry, secrets, "company", "main", { type: "db", values: { port: 1, password: "{{ secret('PW') }}" } })).rejects.toThrow("connection main (db): values.host is required");
    await expect(checkConnection(registry, secrets, "other", "main", { type: "db", values: { host: "h", port: 1, password: "{{ secret('PW') }}" } })).rejects.toThrow(
      "connection main (db): values.password: secret PW not found in namespace other",
    );
  });

  it("is refused where no task runs (flowable properties, flow outputs, triggers), saying why", () => {
    expect(() => connectionsOnWorkersOnly([], {})).toThrow("connection() is resolved where tasks run: flowable properties, flow outputs and triggers cannot read connections");
  });
});
