import type { Command } from "commander";
import { ApiClient } from "../client/api-client.js";
import { resolveServer, type TargetOptions } from "../client/server-target.js";
import { CONFIG_OPTION, SERVER_OPTION } from "../client/server-options.js";
import { AuthRefusedError, EXIT, EXIT_CODES_HELP, UnreachableError } from "../exit-codes.js";
import { colors, printJson } from "../output/terminal.js";
import { CLI_VERSION } from "../version.js";

interface ServerInfo {
  version: string;
  role: string;
  backends: Array<{ kind: string; type: string; status: string; message?: string }>;
  plugins: Array<{ name: string; version: string }>;
  workers: number;
}

interface Report {
  server: { url: string; source: string };
  cli: { version: string };
  reachable: boolean;
  credentials: string;
  auth?: "accepted" | "refused" | "not needed";
  info?: ServerInfo;
  problem?: string;
}

/** the report for a person, one fact a line */
function printReport(r: Report): void {
  const row = (name: string, value: string) => console.log(`${name.padEnd(11)}${value}`);
  const up = (s: string) => (s === "UP" ? colors.green(s) : colors.red(s));
  row("server", `${r.server.url} (from ${r.server.source})`);
  row("reached", r.reachable ? "yes" : colors.red("no"));
  if (r.auth) row("auth", `${r.credentials}: ${r.auth === "refused" ? colors.red(r.auth) : r.auth}`);
  if (r.info) {
    row("version", `ferry ${r.info.version} (${r.info.role}); this CLI ${r.cli.version}${r.info.version !== r.cli.version ? colors.yellow(" (they differ)") : ""}`);
    for (const b of r.info.backends) row(b.kind, `${b.type.padEnd(10)} ${up(b.status)}${b.message ? ` (${b.message})` : ""}`);
    row("plugins", r.info.plugins.map((p) => `${p.name} ${p.version}`).join(", "));
    row("workers", String(r.info.workers));
  }
  if (r.problem) console.log(`\n${colors.red("problem")}    ${r.problem}`);
}

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("which server this CLI reaches (and what chose it), whether the credentials are accepted, its version, its backends and whether each answers")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "the report as JSON")
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (options: TargetOptions & { json?: boolean }) => {
      const target = resolveServer(options);
      const client = new ApiClient(target);
      const report: Report = { server: { url: client.baseUrl, source: target.source }, cli: { version: CLI_VERSION }, reachable: false, credentials: client.credentials };
      let exitCode: number = EXIT.ok;
      try {
        const health = await client.request("GET", "/health");
        report.reachable = true;
        if (health.status !== 200) report.problem = `${client.baseUrl}/health answered HTTP ${health.status}: not a Ferry server, or not a live one`;
        else {
          const info = await client.request<ServerInfo>("GET", "/api/v1/server/info");
          report.auth = client.credentials === "no credentials" ? "not needed" : "accepted";
          if (info.status === 200) report.info = info.body;
          else report.problem = `GET /api/v1/server/info answered HTTP ${info.status}: a Ferry server older than this CLI?`;
          const down = report.info?.backends.filter((b) => b.status !== "UP") ?? [];
          if (down.length) report.problem = `${down.map((b) => `${b.kind} (${b.type})`).join(", ")} not answering`;
        }
        if (report.problem) exitCode = EXIT.failed;
      } catch (error) {
        if (error instanceof AuthRefusedError) report.auth = "refused";
        else if (!(error instanceof UnreachableError)) throw error;
        report.problem = (error as Error).message;
        exitCode = (error as { exitCode?: number }).exitCode ?? EXIT.failed;
      }
      if (options.json) printJson(report);
      else printReport(report);
      process.exitCode = exitCode;
    });
}
