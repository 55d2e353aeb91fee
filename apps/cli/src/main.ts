import { UserError } from "@ferry/sdk";
import { Command } from "commander";
import { registerConfig } from "./commands/config.command.js";
import { registerExecute } from "./commands/execute.command.js";
import { registerKv } from "./commands/kv.command.js";
import { registerNamespace } from "./commands/namespace.command.js";
import { registerPlugin } from "./commands/plugin.command.js";
import { registerFlow } from "./commands/flow.command.js";
import { registerSecrets } from "./commands/secrets.command.js";
import { registerServer } from "./commands/server.command.js";
import { registerTrigger } from "./commands/trigger.command.js";

const program = new Command("ferry").description("Ferry: declarative YAML workflows").version("0.1.0");
registerServer(program);
registerFlow(program);
registerExecute(program);
registerTrigger(program);
registerSecrets(program);
registerConfig(program);
registerPlugin(program);
registerNamespace(program);
registerKv(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // a user's mistake gets one clear line, never a stack trace
  if (error instanceof UserError) console.error(`ferry: ${error.message}`);
  else console.error(`ferry: unexpected error: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
}
