import type { Command } from "commander";
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { UserError } from "@ferry/sdk";
import type { FlowJson, Page } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { integerIn } from "../output/option-parsers.js";
import { printJson, printTable } from "../output/terminal.js";

const flowPath = (namespace: string, id: string, rest = "") => `/api/v1/flows/${encodeURIComponent(namespace)}/${encodeURIComponent(id)}${rest}`;

/** flow list, get, history, delete, export and import: the flows a server holds */
export function registerFlowManage(flow: Command): void {
  withServer(
    flow
      .command("list")
      .description("the flows a server holds (a table; --json for {results, total})")
      .option("-n, --namespace <namespace>", "only this namespace and its children")
      .option("-q, --query <text>", "only flows whose id or namespace contains this text")
      .option("--limit <n>", "at most this many (1 to 1000)", integerIn(1, 1000), 100)
      .option("--json", "the server's answer as JSON: {results, total}"),
  ).action(async (options: { namespace?: string; query?: string; limit: number; json?: boolean }) => {
    const query = new URLSearchParams({ size: String(options.limit) });
    if (options.namespace) query.set("namespace", options.namespace);
    if (options.query) query.set("q", options.query);
    const page = await clientFor(options).expect<Page<FlowJson>>("GET", `/api/v1/flows/search?${query}`);
    if (options.json) return printJson(page);
    if (!page.results.length) return console.log("no flows");
    printTable(
      ["FLOW", "REVISION", "TASKS", "TRIGGERS", "UPDATED"],
      page.results.map((f) => [`${f.namespace}.${f.id}`, String(f.revision), String(f.tasks?.length ?? 0), String(f.triggers?.length ?? 0), f.updated ?? "-"]),
    );
    if (page.total > page.results.length) console.log(`${page.results.length} of ${page.total} (--limit for more)`);
  });

  withServer(
    flow
      .command("get")
      .description("a flow's YAML source as deployed (the latest revision, or --revision)")
      .argument("<namespace>")
      .argument("<flowId>")
      .option("-r, --revision <n>", "this revision", integerIn(1, 2_147_483_647))
      .option("--json", "the flow as the API answers it (parsed, with revision and source)"),
  ).action(async (namespace: string, id: string, options: { revision?: number; json?: boolean }) => {
    const found = await clientFor(options).expect<FlowJson>("GET", flowPath(namespace, id, options.revision ? `?revision=${options.revision}` : ""));
    if (options.json) return printJson(found);
    process.stdout.write(found.source.endsWith("\n") ? found.source : `${found.source}\n`);
  });

  withServer(
    flow
      .command("history")
      .description("a flow's revisions, oldest first (`flow get --revision N` shows one)")
      .argument("<namespace>")
      .argument("<flowId>")
      .option("--json", "the revisions as JSON, with their sources"),
  ).action(async (namespace: string, id: string, options: { json?: boolean }) => {
    const revisions = await clientFor(options).expect<Array<{ revision: number; updated: string; source: string }>>("GET", flowPath(namespace, id, "/revisions"));
    if (options.json) return printJson(revisions);
    printTable(["REVISION", "UPDATED", "LINES"], revisions.map((r) => [String(r.revision), r.updated, String(r.source.split("\n").filter(Boolean).length)]));
  });

  withServer(
    flow
      .command("delete")
      .description("delete a flow (a new deploy of it starts a new history of revisions)")
      .argument("<namespace>")
      .argument("<flowId>"),
  ).action(async (namespace: string, id: string, options: object) => {
    await clientFor(options).expect("DELETE", flowPath(namespace, id));
    console.log(`flow ${namespace}.${id} deleted`);
  });

  withServer(
    flow
      .command("export")
      .description("write a server's flows to a ZIP of their YAML sources, one <namespace>-<id>.yml each (Kestra's flow export)")
      .option("-n, --namespace <namespace>", "only this namespace and its children")
      .option("-q, --query <text>", "only flows whose id or namespace contains this text")
      .option("-o, --output <file>", "the ZIP file to write", "flows.zip"),
  ).action(async (options: { namespace?: string; query?: string; output: string }) => {
    const query = new URLSearchParams();
    if (options.namespace) query.set("namespace", options.namespace);
    if (options.query) query.set("q", options.query);
    const zip = await clientFor(options).bytes(`/api/v1/flows/export/by-query${query.size ? `?${query}` : ""}`);
    if (!zip) throw new UserError("this server has no flow export (GET /api/v1/flows/export/by-query answered 404)");
    await writeFile(options.output, zip);
    console.log(`flows written to ${options.output} (${zip.length} bytes)`);
  });

  withServer(
    flow
      .command("import")
      .description("create or update a server's flows from a ZIP of YAML files or one YAML file of ---separated flows (Kestra's flow import); exits 1 naming those not imported")
      .argument("<file>", "a .zip, .yaml or .yml file")
      .option("--fail-on-error", "the server refuses (422) naming each flow not imported and why; the others are imported all the same"),
  ).action(async (file: string, options: { failOnError?: boolean }) => {
    const form = new FormData();
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read ${file}: ${error.code ?? error.message}`);
    });
    form.set("fileUpload", new Blob([bytes]), basename(file));
    const failed = await clientFor(options).expect<string[]>("POST", `/api/v1/flows/import${options.failOnError ? "?failOnError=true" : ""}`, form);
    if (failed.length) throw new UserError(`not imported (invalid flows; --fail-on-error says why): ${failed.join(", ")}`);
    console.log(`flows of ${file} imported`);
  });
}
