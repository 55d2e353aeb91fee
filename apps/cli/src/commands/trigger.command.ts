import type { Command } from "commander";
import { clientFor, CONFIG_OPTION, SERVER_OPTION } from "../client/server-options.js";
import { UsageError } from "../exit-codes.js";

interface TriggerAnswer {
  abstractTrigger: { id: string; type: string };
  triggerContext: { namespace: string; flowId: string; triggerId: string; kind: string | null; disabled: boolean; date: string | null; nextExecutionDate: string | null };
}

const path = (namespace: string, flowId: string, triggerId: string) =>
  `/api/v1/triggers/${encodeURIComponent(namespace)}/${encodeURIComponent(flowId)}/${encodeURIComponent(triggerId)}`;

export function registerTrigger(program: Command): void {
  const trigger = program.command("trigger").description("list, enable, disable and backfill triggers");

  trigger
    .command("list")
    .description("list the triggers of live flows with their state")
    .option("-n, --namespace <namespace>", "only this namespace and its children")
    .option("-f, --flow <flowId>", "only this flow")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (options: { namespace?: string; flow?: string; server?: string }) => {
      const client = clientFor(options);
      const query = new URLSearchParams({ size: "1000" });
      if (options.namespace) query.set("namespace", options.namespace);
      if (options.flow) query.set("flowId", options.flow);
      const page = await client.expect<{ results: TriggerAnswer[]; total: number }>("GET", `/api/v1/triggers/search?${query}`);
      if (!page.results.length) return console.log("no triggers");
      const rows = page.results.map(({ abstractTrigger: t, triggerContext: c }) => [
        `${c.namespace}.${c.flowId}`, c.triggerId, t.type, c.disabled ? "disabled" : "enabled", c.date ?? "-", c.nextExecutionDate ?? "-",
      ]);
      const header = ["FLOW", "TRIGGER", "TYPE", "STATE", "LAST FIRE", "NEXT FIRE"];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
    });

  for (const [name, disabled] of [["enable", false], ["disable", true]] as const) {
    trigger
      .command(name)
      .description(`${name} a trigger${disabled ? "" : " (a schedule resumes from now, without a backlog)"}`)
      .argument("<namespace>")
      .argument("<flowId>")
      .argument("<triggerId>")
      .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
      .action(async (namespace: string, flowId: string, triggerId: string, options: { server?: string; config?: string }) => {
        const client = clientFor(options);
        await client.expect("PUT", path(namespace, flowId, triggerId), JSON.stringify({ disabled }), "application/json");
        console.log(`trigger ${triggerId} of ${namespace}.${flowId} ${disabled ? "disabled" : "enabled"}`);
      });
  }

  trigger
    .command("backfill")
    .description("start one execution per fire time of a schedule between two dates")
    .argument("<namespace>")
    .argument("<flowId>")
    .argument("<triggerId>")
    .requiredOption("--start <date>", "ISO-8601 date-time, first fire time included")
    .option("--end <date>", "ISO-8601 date-time, last fire time included (default: now)")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, flowId: string, triggerId: string, options: { start: string; end?: string; server?: string }) => {
      for (const [key, value] of Object.entries({ start: options.start, end: options.end })) {
        if (value !== undefined && Number.isNaN(Date.parse(value))) throw new UsageError(`--${key} '${value}' is not an ISO-8601 date-time`);
      }
      const client = clientFor(options);
      const result = await client.expect<{ started: string[]; skipped: number; conditionsNotMet?: number }>(
        "POST", `${path(namespace, flowId, triggerId)}/backfill`, JSON.stringify({ start: options.start, end: options.end }), "application/json",
      );
      const notMet = result.conditionsNotMet ? `; ${result.conditionsNotMet} fire times the trigger's conditions do not hold for` : "";
      console.log(`started ${result.started.length} executions; ${result.skipped} fire times had run already${notMet}`);
    });
}
