import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import { resolve } from "node:path";
import { clientFor, CONFIG_OPTION, SERVER_OPTION } from "../client/server-options.js";

const path = (namespace: string, name?: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${name ? `/${encodeURIComponent(name)}` : ""}`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export function registerSecrets(program: Command): void {
  const secrets = program.command("secrets").description("set, list and delete secrets (names only are ever shown); rotate the database key");

  secrets
    .command("set")
    .description("set a secret of a namespace; without a value argument, read it from stdin (keeps it out of shell history)")
    .argument("<namespace>")
    .argument("<name>")
    .argument("[value]")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, name: string, value: string | undefined, options: { server?: string; config?: string }) => {
      const secret = value ?? (await readStdin());
      await clientFor(options).expect("PUT", path(namespace, name), JSON.stringify({ value: secret }), "application/json");
      console.log(`secret ${name} set in namespace ${namespace}`);
    });

  secrets
    .command("list")
    .description("names of the secrets a namespace sees")
    .argument("<namespace>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, options: { server?: string; config?: string }) => {
      const answer = await clientFor(options).expect<{ readOnly: boolean; results: Array<{ key: string }> }>("GET", path(namespace));
      if (!answer.results.length) console.log(`no secrets seen from namespace ${namespace}`);
      for (const { key } of answer.results) console.log(key);
    });

  secrets
    .command("delete")
    .description("delete a secret of a namespace")
    .argument("<namespace>")
    .argument("<name>")
    .option(...SERVER_OPTION)
    .option(...CONFIG_OPTION)
    .action(async (namespace: string, name: string, options: { server?: string; config?: string }) => {
      await clientFor(options).expect("DELETE", path(namespace, name));
      console.log(`secret ${name} deleted from namespace ${namespace}`);
    });

  secrets
    .command("rotate-key")
    .description("re-encrypt every database secret under a new key, all or nothing (run with the current configuration, then restart with the new key)")
    .requiredOption("--new-key <base64>", "the new key: 32 bytes, base64 (openssl rand -base64 32)")
    .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
    .action(async (options: { newKey: string; config?: string }) => {
      const { closeBackends, createBackends, loadConfig } = await import("@ferry/core");
      const { BUILT_IN_BACKENDS } = await import("@ferry/engine");
      const { config, file } = loadConfig({ file: options.config, env: process.env });
      if (config.secrets.type !== "database") throw new UserError(`rotate-key re-encrypts database secrets; the configured secret backend is '${config.secrets.type}'`);
      const backends = await createBackends(config, { baseDir: file ? resolve(file, "..") : process.cwd(), builtIns: BUILT_IN_BACKENDS }, { repository: true });
      try {
        const count = await (backends.secrets as unknown as { rotateKey(key: string): Promise<number> }).rotateKey(options.newKey);
        console.log(`${count} secrets re-encrypted under the new key; set secrets.key to it and restart every process`);
      } finally {
        await closeBackends(backends);
      }
    });
}
