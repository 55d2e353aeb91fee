import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const PLUGIN_KINDS = ["task", "trigger", "storage", "secrets", "repository", "queue", "history"] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

/**
 * The sources of each kind, in apps/cli/templates/<kind>/src: real TypeScript, type-checked
 * and tested in this repository (the root vitest runs their tests), written as the plugin
 * `ferry-plugin-acme` and renamed when scaffolded.
 */
const TEMPLATES = fileURLToPath(new URL("../templates/", import.meta.url));

export interface PluginNames {
  /** npm package name, as given */
  packageName: string;
  /** the folder it goes in */
  folder: string;
  /** task and trigger types' prefix, a backend's type name: slackNotify */
  prefix: string;
  /** class names: SlackNotify */
  pascal: string;
  /** environment variable names: SLACK_NOTIFY */
  upper: string;
}

export function pluginNames(packageName: string): PluginNames {
  const folder = packageName.split("/").pop()!;
  const short = folder.replace(/^ferry-(plugin|trigger|storage|secrets|repository|queue|history)-/, "") || "plugin";
  const prefix = short.replace(/[^a-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : "")).replace(/^[^a-z]+/, "") || "plugin";
  return { packageName, folder, prefix, pascal: prefix[0].toUpperCase() + prefix.slice(1), upper: prefix.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase() };
}

function rename(text: string, names: PluginNames): string {
  // one pass, so that a name put in (@acme/…) is never renamed again
  return text.replace(/ferry-plugin-acme|ACME|Acme|acme/g, (token) =>
    token === "ferry-plugin-acme" ? names.packageName : token === "ACME" ? names.upper : token === "Acme" ? names.pascal : names.prefix,
  );
}

function sources(kind: PluginKind, names: PluginNames): Record<string, string> {
  const dir = join(TEMPLATES, kind);
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files[relative(dir, path)] = rename(readFileSync(path, "utf8"), names);
    }
  };
  walk(join(dir, "src"));
  return files;
}

const WHAT: Record<PluginKind, (n: PluginNames) => string> = {
  task: (n) => `a task type, \`${n.prefix}.Hello\`, and a connection type, \`${n.prefix}\`, it can run on`,
  trigger: (n) => `a trigger type, \`${n.prefix}.Workdays\` (a schedule that skips the days it is told)`,
  storage: () => "an internal storage backend (in memory, to start from)",
  secrets: (n) => `a secret backend (\`${n.upper}_SECRET_<NAME>\` environment variables, to start from)`,
  repository: () => "a repository backend (in memory, to start from)",
  queue: () => "a queue backend (in memory, to start from)",
  history: () => "a history store, where the API searches ended executions, log lines and metrics (in memory, to start from)",
};

function loadIt(kind: PluginKind, n: PluginNames): string {
  if (kind === "task" || kind === "trigger") {
    return `Load it in \`ferry.yaml\` by npm name or by folder, and check it loads:

\`\`\`yaml
plugins: ["@ferry/plugin-core", "@ferry/plugin-script", "./${n.folder}"]
\`\`\``;
  }
  const options = kind === "storage" ? ", maxBytes: 104857600" : kind === "secrets" ? `, prefix: ${n.upper}_SECRET_` : kind === "history" ? ", maxExecutions: 100000" : "";
  return `Name it as the \`type\` of the configuration's \`${kind}\` section, by npm name or by folder
(relative to \`ferry.yaml\`), with its options beside it; check it loads:

\`\`\`yaml
${kind}: { type: ./${n.folder}${options} }
\`\`\`${kind === "history" ? `

The server's exporter then feeds it ended executions, their log lines and metrics (\`GET /api/v1/history\`
shows how far), and the API answers history searches from it, full-text log search
(\`GET /api/v1/logs/search\`) too. The exporter reads the primary repository's change feed
(\`listExecutionChanges\`, \`listLogsAfter\`, \`listMetricsAfter\`), which SQLite, PostgreSQL and
MySQL keep and the repository scaffold leaves out. Kept in memory, it starts empty with each server, whose
exporter then exports the primary into it again from the start: do not set
\`history.primaryRetention\` with it, or what the primary let go of is gone.` : ""}`;
}

function readme(kind: PluginKind, n: PluginNames): string {
  const proof = kind === "task" ? "`runTask` from `@ferry/testkit` runs the task as a worker runs it (properties rendered and validated, a full run context), with no server"
    : kind === "trigger" ? "the tests check its properties and fire times; the server fires it as it fires `core.trigger.Schedule`"
    : kind === "history" ? "the test runs `@ferry/testkit`'s history contract suite, the one the built-in history stores run (the exported one, PostgreSQL, runs all of it)"
    : `the test runs \`@ferry/testkit\`'s ${kind} contract suite, the one every built-in ${kind} backend runs`;
  return `# ${n.packageName}

A Ferry plugin: ${WHAT[kind](n)}, in \`src/\`.

\`\`\`sh
npm install && npm run build && npm test
\`\`\`

Tests: ${proof}.

${loadIt(kind, n)}

\`\`\`sh
npx ferry config check             # names every plugin and backend loaded, or why one did not load
npx ferry config check --connect   # backends: also run their check() against the service
\`\`\`

## The SDK in vendor/

\`@ferry/*\` packages are not published on npm. \`ferry plugin new\` packed the SDK and testkit
of the Ferry that made this folder (\`npm pack\`) into \`vendor/\`, and \`package.json\` names them
by relative \`file:\` paths (\`overrides\` covers what they need of each other). The folder is
then whole: \`npm install\` works on any machine and in CI, with or without that Ferry at hand.
Commit \`vendor/\` with the rest. To move to a newer Ferry, run \`ferry plugin new\` with it and
copy its \`vendor/\`; once \`@ferry/sdk\` is on npm, put version ranges in place of the paths.
`;
}

/** The files `ferry plugin new` writes (sources, package.json, README); `vendor` gives the `file:` spec of each vendored @ferry package. */
export function pluginTemplate(packageName: string, kind: PluginKind, vendor: Record<string, string>): Record<string, string> {
  const names = pluginNames(packageName);
  const spec = (name: string) => vendor[name] ?? "*";
  const direct = new Set(["@ferry/sdk", "@ferry/testkit"]);
  const overrides = Object.fromEntries(Object.keys(vendor).map((name) => [name, direct.has(name) ? `$${name}` : vendor[name]]));
  const pkg = {
    name: packageName,
    version: "0.1.0",
    description: `Ferry plugin: ${WHAT[kind](names).replace(/`/g, "")}`,
    type: "module",
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    files: ["dist"],
    scripts: { build: "tsc -p tsconfig.json", test: "vitest run" },
    dependencies: { "@ferry/sdk": spec("@ferry/sdk"), ...(kind === "trigger" ? { croner: "^9.1.0" } : {}) },
    devDependencies: { "@ferry/testkit": spec("@ferry/testkit"), "@types/node": "^20.19.0", typescript: "~5.9.3", vitest: "^4.1.0" },
    overrides,
  };
  const tsconfig = {
    compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, declaration: true, sourceMap: true, outDir: "dist", rootDir: "src", skipLibCheck: true },
    include: ["src"],
    exclude: ["src/**/*.test.ts"],
  };
  return {
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(tsconfig, null, 2)}\n`,
    ".gitignore": "node_modules/\ndist/\n",
    "README.md": readme(kind, names),
    ...sources(kind, names),
  };
}
