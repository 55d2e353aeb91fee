import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import type { ExecutionJson, Page } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { collect } from "../output/option-parsers.js";
import { Progress } from "../output/progress.js";
import { pastDate } from "../output/since.js";
import { executionFilters, executionPath } from "./execution-filters.js";

const PAGE = 100;

export function registerExecutionPurge(executions: Command): void {
  withServer(
    executions
      .command("purge")
      .description("delete ended executions with their logs, metrics and files, one by one (a progress bar on a terminal)")
      .requiredOption("--before <when>", "only those that ended before: 7d, 12h, P30D, or a date 2026-11-01T00:00:00Z")
      .option("-n, --namespace <namespace>", "only this namespace and its children")
      .option("-f, --flow <flowId>", "only this flow")
      .option("--state <state>", "only executions that ended in this state (repeatable, or comma-separated)", collect, [] as string[])
      .option("--label <key:value>", "only executions with this label (repeatable: all of them)", collect, [] as string[])
      .option("--dry-run", "count what would be purged; delete nothing"),
  ).action(async (options: { before: string; namespace?: string; flow?: string; state: string[]; label: string[]; dryRun?: boolean }) => {
    const before = pastDate(options.before, "--before");
    const query = executionFilters(options, new URLSearchParams({ endDate: before, size: String(PAGE) }));
    const client = clientFor(options);
    const search = () => client.expect<Page<ExecutionJson>>("GET", `/api/v1/executions/search?${query}`);
    let page = await search();
    if (options.dryRun) return console.log(`${page.total} executions would be purged (ended before ${before}; dry run: nothing deleted)`);
    const progress = new Progress();
    const tried = new Set<string>();
    let purged = 0;
    try {
      progress.phase("purging", page.total);
      // what is deleted leaves the search: read the first page again until nothing new is on it
      for (;;) {
        const fresh = page.results.filter((e) => !tried.has(e.id));
        if (!fresh.length) break;
        for (const execution of fresh) {
          tried.add(execution.id);
          const answer = await client.request<{ message?: string }>("DELETE", executionPath(execution.id));
          const message = answer.body?.message ?? "";
          if (answer.status === 204) purged++;
          // another purge (or the retention sweep) took it first
          else if (!(answer.status === 404 && message === `execution ${execution.id} not found`)) {
            throw new UserError(`DELETE ${executionPath(execution.id)}: HTTP ${answer.status}: ${message}${answer.status === 404 ? " (a server older than this CLI?)" : ""}`);
          }
          progress.tick();
        }
        page = await search();
      }
    } finally {
      progress.stop();
    }
    console.log(`purged ${purged} executions (ended before ${before}) with their logs, metrics and files`);
  });
}
