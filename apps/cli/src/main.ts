import { UserError } from "@ferry/sdk/basics";
import { Command, CommanderError } from "commander";
import { registerCompletion } from "./commands/completion.command.js";
import { registerConfig } from "./commands/config.command.js";
import { registerDoctor } from "./commands/doctor.command.js";
import { registerExecute } from "./commands/execute.command.js";
import { registerExecutions } from "./commands/executions.command.js";
import { registerFlow } from "./commands/flow.command.js";
import { registerKv } from "./commands/kv.command.js";
import { registerConnection } from "./commands/connection.command.js";
import { registerNamespace } from "./commands/namespace.command.js";
import { registerPlugin } from "./commands/plugin.command.js";
import { registerSecrets } from "./commands/secrets.command.js";
import { registerServer } from "./commands/server.command.js";
import { registerTrigger } from "./commands/trigger.command.js";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes.js";
import { CLI_VERSION } from "./version.js";

const program = new Command("ferry").description("Ferry: declarative YAML workflows").version(CLI_VERSION);
// set before the commands are added: they inherit both
program.exitOverride();
program.configureOutput({ outputError: () => undefined }); // one line of ours instead, below
program.addHelpText("after", EXIT_CODES_HELP);
registerServer(program);
registerFlow(program);
registerExecute(program);
registerExecutions(program);
registerTrigger(program);
registerSecrets(program);
registerConfig(program);
registerPlugin(program);
registerNamespace(program);
registerKv(program);
registerConnection(program);
registerDoctor(program);
registerCompletion(program);

/** `ferry flow deploy` for `ferry flow deploy --bogus`: where to look for help */
function commandPath(args: string[]): string {
  const names = ["ferry"];
  let at: Command = program;
  for (const word of args) {
    const next = at.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!next) break;
    names.push(next.name());
    at = next;
  }
  return names.join(" ");
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") process.exit(EXIT.ok);
    // commander.help: a command group without its subcommand; its help went to stderr
    if (error.code !== "commander.help") console.error(`ferry: ${error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ")} (see '${commandPath(process.argv.slice(2))} --help')`);
    process.exit(EXIT.usage);
  }
  const exitCode = (error as { exitCode?: unknown }).exitCode;
  if (typeof exitCode === "number") console.error(`ferry: ${(error as Error).message}`);
  // a user's mistake gets one clear line, never a stack trace
  else if (error instanceof UserError) console.error(`ferry: ${error.message}`);
  else console.error(`ferry: unexpected error: ${(error as Error).stack ?? String(error)}`);
  process.exit(typeof exitCode === "number" ? exitCode : EXIT.failed);
}
