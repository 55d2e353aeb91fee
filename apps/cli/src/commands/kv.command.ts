import type { Command } from "commander";
import { ApiClient, serverUrl } from "../client.js";

const SERVER_OPTION = ["-s, --server <url>", "server URL (default: $FERRY_SERVER_URL, then http://127.0.0.1:8080)"] as const;
const path = (namespace: string, key?: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/kv${key ? `/${encodeURIComponent(key)}` : ""}`;

export function registerKv(program: Command): void {
  const kv = program.command("kv").description("the KV store of a namespace");

  kv.command("set")
    .description("set a pair; the value is JSON (\"text\", 42, true, {\"a\": 1}) or, if it does not parse, a string")
    .argument("<namespace>")
    .argument("<key>")
    .argument("<value>")
    .option("--ttl <duration>", "expire after this ISO-8601 duration (PT1H, P7D)")
    .option(...SERVER_OPTION)
    .action(async (namespace: string, key: string, value: string, options: { ttl?: string; server?: string }) => {
      let body = value;
      try {
        JSON.parse(value);
      } catch {
        body = JSON.stringify(value); // plain words are a STRING
      }
      const client = new ApiClient(serverUrl(options.server));
      const saved = await client.expectWith<{ key: string; type: string }>("PUT", path(namespace, key), body, { "content-type": "application/json", ...(options.ttl ? { ttl: options.ttl } : {}) });
      console.log(`${saved.key} = ${body} (${saved.type}) in namespace ${namespace}`);
    });

  kv.command("get")
    .description("print a pair's value as JSON")
    .argument("<namespace>")
    .argument("<key>")
    .option(...SERVER_OPTION)
    .action(async (namespace: string, key: string, options: { server?: string }) => {
      const found = await new ApiClient(serverUrl(options.server)).expect<{ type: string; value: unknown }>("GET", path(namespace, key));
      console.log(JSON.stringify(found.value));
    });

  kv.command("list")
    .description("the namespace's keys with their type and expiration")
    .argument("<namespace>")
    .option(...SERVER_OPTION)
    .action(async (namespace: string, options: { server?: string }) => {
      const entries = await new ApiClient(serverUrl(options.server)).expect<Array<{ key: string; type: string; expirationDate: string | null }>>("GET", path(namespace));
      if (!entries.length) console.log(`no KV pairs in namespace ${namespace}`);
      for (const e of entries) console.log(`${e.key}\t${e.type}${e.expirationDate ? `\texpires ${e.expirationDate}` : ""}`);
    });

  kv.command("delete")
    .description("delete a pair")
    .argument("<namespace>")
    .argument("<key>")
    .option(...SERVER_OPTION)
    .action(async (namespace: string, key: string, options: { server?: string }) => {
      const deleted = await new ApiClient(serverUrl(options.server)).expect<boolean>("DELETE", path(namespace, key));
      console.log(deleted ? `${key} deleted from namespace ${namespace}` : `no ${key} in namespace ${namespace}`);
    });
}
