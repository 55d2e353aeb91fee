import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { Progress } from "../output/progress.js";
import { clientFor, CONFIG_OPTION, SERVER_OPTION } from "../client/server-options.js";
import { UsageError } from "../exit-codes.js";

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
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, key: string, value: string, options: { ttl?: string; server?: string }) => {
      let body = value;
      try {
        JSON.parse(value);
      } catch {
        body = JSON.stringify(value); // plain words are a STRING
      }
      const client = clientFor(options);
      const saved = await client.expectWith<{ key: string; type: string }>("PUT", path(namespace, key), body, { "content-type": "application/json", ...(options.ttl ? { ttl: options.ttl } : {}) });
      console.log(`${saved.key} = ${body} (${saved.type}) in namespace ${namespace}`);
    });

  kv.command("get")
    .description("print a pair's value as JSON")
    .argument("<namespace>")
    .argument("<key>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, key: string, options: { server?: string; config?: string }) => {
      const found = await clientFor(options).expect<{ type: string; value: unknown }>("GET", path(namespace, key));
      console.log(JSON.stringify(found.value));
    });

  kv.command("list")
    .description("the namespace's keys with their type and expiration")
    .argument("<namespace>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, options: { server?: string; config?: string }) => {
      const entries = await clientFor(options).expect<Array<{ key: string; type: string; expirationDate: string | null }>>("GET", path(namespace));
      if (!entries.length) console.log(`no KV pairs in namespace ${namespace}`);
      for (const e of entries) console.log(`${e.key}\t${e.type}${e.expirationDate ? `\texpires ${e.expirationDate}` : ""}`);
    });

  kv.command("delete")
    .description("delete a pair")
    .argument("<namespace>")
    .argument("<key>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, key: string, options: { server?: string; config?: string }) => {
      const deleted = await clientFor(options).expect<boolean>("DELETE", path(namespace, key));
      console.log(deleted ? `${key} deleted from namespace ${namespace}` : `no ${key} in namespace ${namespace}`);
    });

  kv.command("deploy")
    .description("set a namespace's pairs from a YAML (or JSON) file of key: value, types inferred as the API infers them; unchanged pairs are left alone")
    .argument("<file>", "YAML or JSON map of key → value")
    .requiredOption("-n, --namespace <namespace>", "the namespace")
    .option("--prune", "delete the namespace's pairs the file does not have")
    .option("--dry-run", "print the plan; change nothing")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (file: string, options: { namespace: string; prune?: boolean; dryRun?: boolean; server?: string }) => {
      let pairs: unknown;
      try {
        pairs = (await import("yaml")).parse(await readFile(file, "utf8"));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`${file}: no such file`);
        throw new UserError(`${file}: ${(error as Error).message.split("\n")[0]}`);
      }
      if (!pairs || typeof pairs !== "object" || Array.isArray(pairs)) throw new UserError(`${file}: expected a map of key: value`);
      const client = clientFor(options);
      const counts = { set: 0, unchanged: 0, deleted: 0 };
      const progress = new Progress();
      try {
        const entries = Object.entries(pairs);
        progress.phase(options.dryRun ? "comparing" : "deploying", entries.length);
        for (const [key, value] of entries) {
          progress.tick();
          const current = await client.request<{ value: unknown }>("GET", path(options.namespace, key));
          if (current.status === 200 && isDeepStrictEqual(current.body.value, value)) {
            counts.unchanged++;
            continue;
          }
          counts.set++;
          progress.line(`${options.dryRun ? "set" : "set    "} ${key}`);
          if (!options.dryRun) await client.expect("PUT", path(options.namespace, key), JSON.stringify(value), "application/json");
        }
        if (options.prune) {
          const existing = await client.expect<Array<{ key: string }>>("GET", path(options.namespace));
          const extra = existing.filter((e) => !(e.key in (pairs as object)));
          progress.phase("pruning", extra.length);
          for (const { key } of extra) {
            progress.tick();
            counts.deleted++;
            progress.line(`${options.dryRun ? "delete" : "deleted"} ${key}`);
            if (!options.dryRun) await client.expect("DELETE", path(options.namespace, key));
          }
        }
        const verb = options.dryRun ? "would be " : "";
        progress.line(`${counts.set} ${verb}set, ${counts.unchanged} unchanged, ${counts.deleted} ${verb}deleted${options.dryRun ? " (dry run: nothing changed)" : ""}`);
      } finally {
        progress.stop();
      }
    });
}
