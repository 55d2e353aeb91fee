import type { Command } from "commander";
import type { FlowJson, Page } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { integerIn } from "../output/option-parsers.js";
import { printJson, printTable } from "../output/terminal.js";

const flowPath = (namespace: string, id: string, rest = "") => `/api/v1/flows/${encodeURIComponent(namespace)}/${encodeURIComponent(id)}${rest}`;

/** flow list, get, history and delete: the flows a server holds */
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
}
