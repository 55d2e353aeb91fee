import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { clientFor, CONFIG_OPTION, SERVER_OPTION } from "../client/server-options.js";
import { UsageError } from "../exit-codes.js";
import { Progress } from "../output/progress.js";

const path = (namespace: string, id?: string, action?: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/connections${id ? `/${encodeURIComponent(id)}` : ""}${action ? `/${action}` : ""}`;

interface Shown {
  namespace: string;
  id: string;
  type: string;
  values: Record<string, unknown>;
  description: string | null;
  changed?: boolean;
}

/** `field=value` pairs: a value that parses as JSON (5432, true, {"a": 1}) is that, anything else a string */
function valuesOf(pairs: string[], json: string | undefined): Record<string, unknown> {
  let values: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      values = JSON.parse(json) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--values must be a JSON object: ${json.slice(0, 60)}`);
    }
    if (!values || typeof values !== "object" || Array.isArray(values)) throw new UsageError("--values must be a JSON object");
  }
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--value ${pair}: expected field=value`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain words are a string
    }
    values[pair.slice(0, at)] = value;
  }
  return values;
}

/** what a deploy file gives for one connection, checked for its shape (the server checks the rest) */
function fromFile(file: string, id: string, entry: unknown): { type: string; values: Record<string, unknown>; description?: string } {
  const e = entry as Record<string, unknown> | null;
  if (!e || typeof e !== "object" || Array.isArray(e) || typeof e.type !== "string") throw new UserError(`${file}: connection ${id}: expected {type, values, description?}`);
  return e as { type: string; values: Record<string, unknown>; description?: string };
}

/** the file's values as the server shows them: secret references `******` where the server shows them so (they cannot be read back) */
const comparable = (values: Record<string, unknown>, shown: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, shown[k] === "******" && typeof v === "string" && v.includes("secret(") ? "******" : v]));

export function registerConnection(program: Command): void {
  const connection = program.command("connection").description("a namespace's connections: typed resources (a database, an API) tasks use, secrets as references");

  connection
    .command("set")
    .description("create or replace a connection; secret fields as {{ secret('NAME') }} references")
    .argument("<namespace>")
    .argument("<id>")
    .requiredOption("-t, --type <type>", "the connection type (postgres, http, …)")
    .option("--value <field=value>", "a field (repeatable); JSON values (5432, true) are typed", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--values <json>", "every field as one JSON object")
    .option("-d, --description <text>", "what it is for")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, id: string, options: { type: string; value: string[]; values?: string; description?: string; server?: string }) => {
      const body = { type: options.type, values: valuesOf(options.value, options.values), ...(options.description !== undefined ? { description: options.description } : {}) };
      const saved = await clientFor(options).expect<Shown>("PUT", path(namespace, id), JSON.stringify(body), "application/json");
      console.log(`${saved.id} (${saved.type}) ${saved.changed ? "saved" : "unchanged"} in namespace ${namespace}`);
    });

  connection
    .command("get")
    .description("print a connection as JSON (its own, or a parent namespace's), secret fields ******")
    .argument("<namespace>")
    .argument("<id>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, id: string, options: { server?: string }) => {
      console.log(JSON.stringify(await clientFor(options).expect<Shown>("GET", path(namespace, id)), null, 2));
    });

  connection
    .command("list")
    .description("the namespace's own connections: id, type, description")
    .argument("<namespace>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, options: { server?: string }) => {
      const found = await clientFor(options).expect<Shown[]>("GET", path(namespace));
      if (!found.length) console.log(`no connections in namespace ${namespace}`);
      for (const c of found) console.log(`${c.id}\t${c.type}${c.description ? `\t${c.description}` : ""}`);
    });

  connection
    .command("test")
    .description("open a connection once with its type's test (exit 1 when it cannot)")
    .argument("<namespace>")
    .argument("<id>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, id: string, options: { server?: string }) => {
      const result = await clientFor(options).expect<{ ok: boolean; durationMs?: number; message?: string }>("POST", path(namespace, id, "test"));
      if (!result.ok) throw new UserError(`connection ${id} failed its test: ${result.message}`);
      console.log(`connection ${id} ok (${result.durationMs} ms)`);
    });

  connection
    .command("delete")
    .description("delete a connection of the namespace")
    .argument("<namespace>")
    .argument("<id>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, id: string, options: { server?: string }) => {
      const deleted = await clientFor(options).expect<boolean>("DELETE", path(namespace, id));
      console.log(deleted ? `${id} deleted from namespace ${namespace}` : `no connection ${id} in namespace ${namespace}`);
    });

  connection
    .command("deploy")
    .description(
      "set a namespace's connections from a YAML (or JSON) file of id: {type, values, description}, kept in git; unchanged ones are left alone. A dry run cannot read secret references back: it compares everything else",
    )
    .argument("<file>", "YAML or JSON map of id → {type, values, description?}")
    .requiredOption("-n, --namespace <namespace>", "the namespace")
    .option("--prune", "delete the namespace's connections the file does not have")
    .option("--dry-run", "print the plan; change nothing")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (file: string, options: { namespace: string; prune?: boolean; dryRun?: boolean; server?: string }) => {
      let document: unknown;
      try {
        document = (await import("yaml")).parse(await readFile(file, "utf8"));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`${file}: no such file`);
        throw new UserError(`${file}: ${(error as Error).message.split("\n")[0]}`);
      }
      if (!document || typeof document !== "object" || Array.isArray(document)) throw new UserError(`${file}: expected a map of id: {type, values, description?}`);
      const wanted = Object.entries(document).map(([id, entry]) => [id, fromFile(file, id, entry)] as const);
      const client = clientFor(options);
      const counts = { set: 0, unchanged: 0, deleted: 0 };
      const progress = new Progress();
      try {
        progress.phase(options.dryRun ? "comparing" : "deploying", wanted.length);
        const own = await client.expect<Shown[]>("GET", path(options.namespace));
        for (const [id, entry] of wanted) {
          progress.tick();
          let changed: boolean;
          if (options.dryRun) {
            const current = own.find((c) => c.id === id);
            changed = !current || current.type !== entry.type || (current.description ?? undefined) !== entry.description || !isDeepStrictEqual(current.values, comparable(entry.values ?? {}, current.values));
          } else {
            // the server checks each (type, fields, secrets) and writes only what changed
            changed = (await client.expect<Shown>("PUT", path(options.namespace, id), JSON.stringify(entry), "application/json")).changed === true;
          }
          if (!changed) {
            counts.unchanged++;
            continue;
          }
          counts.set++;
          progress.line(`${options.dryRun ? "set" : "set    "} ${id}`);
        }
        if (options.prune) {
          const extra = own.filter((c) => !wanted.some(([id]) => id === c.id));
          progress.phase("pruning", extra.length);
          for (const { id } of extra) {
            progress.tick();
            counts.deleted++;
            progress.line(`${options.dryRun ? "delete" : "deleted"} ${id}`);
            if (!options.dryRun) await client.expect("DELETE", path(options.namespace, id));
          }
        }
        const verb = options.dryRun ? "would be " : "";
        progress.line(`${counts.set} ${verb}set, ${counts.unchanged} unchanged, ${counts.deleted} ${verb}deleted${options.dryRun ? " (dry run: nothing changed)" : ""}`);
      } finally {
        progress.stop();
      }
    });
}
