/**
 * The files `ferry plugin new` writes: a plugin package that builds and tests right away
 * (its build and test are run by the integration tests, inside this workspace).
 */
export function pluginTemplate(packageName: string): Record<string, string> {
  const short = packageName.split("/").pop()!.replace(/^ferry-plugin-/, "");
  const prefix = short.replace(/[^a-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : "")).replace(/^[A-Z]/, (c) => c.toLowerCase()) || "plugin";
  const type = `${prefix}.Hello`;
  return {
    "package.json": `${JSON.stringify(
      {
        name: packageName,
        version: "0.1.0",
        description: `Ferry plugin: ${type}`,
        type: "module",
        exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
        main: "./dist/index.js",
        types: "./dist/index.d.ts",
        files: ["dist"],
        scripts: { build: "tsc -p tsconfig.json", test: "vitest run" },
        dependencies: { "@ferry/sdk": "*" },
        devDependencies: { "@ferry/testkit": "*", typescript: "~5.9.3", vitest: "^4.1.0" },
      },
      null,
      2,
    )}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, declaration: true, sourceMap: true, outDir: "dist", rootDir: "src", skipLibCheck: true },
        include: ["src"],
        exclude: ["src/**/*.test.ts"],
      },
      null,
      2,
    )}\n`,
    "src/index.ts": `import { definePlugin } from "@ferry/sdk";
import { helloTask } from "./hello.task.js";

export { helloTask };

export default definePlugin({
  name: ${JSON.stringify(packageName)},
  version: "0.1.0",
  tasks: [helloTask],
});
`,
    "src/hello.task.ts": `import { defineTask, z } from "@ferry/sdk";

/** An example task: rename it, change its properties, and make run() do the work. */
export const helloTask = defineTask({
  kind: "runnable",
  type: ${JSON.stringify(type)},
  title: "Say hello",
  description: "Logs a greeting and returns it as the output \`greeting\`.",
  // properties arrive rendered ({{ inputs.x }} already replaced) and are checked by this schema
  properties: z.object({
    name: z.string().min(1).default("World"),
    shout: z.boolean().default(false),
  }),
  outputs: z.object({ greeting: z.string() }),
  examples: [
    {
      title: "Greet the flow's input",
      flow: \`id: hello
namespace: company.team
inputs:
  - { id: who, type: STRING, defaults: Ferry }
tasks:
  - id: hello
    type: ${type}
    name: "{{ inputs.who }}"
\`,
    },
  ],
  async run(ctx, props) {
    const greeting = props.shout ? \`HELLO \${props.name.toUpperCase()}!\` : \`Hello \${props.name}\`;
    ctx.logger.info(greeting);
    return { greeting };
  },
});
`,
    "src/hello.task.test.ts": `import { runTask } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import { helloTask } from "./hello.task.js";

describe(${JSON.stringify(type)}, () => {
  it("greets the rendered name and logs it", async () => {
    const result = await runTask(helloTask, { name: "{{ inputs.who }}" }, { inputs: { who: "Ferry" } });
    expect(result.outputs).toEqual({ greeting: "Hello Ferry" });
    expect(result.logs).toEqual([{ level: "INFO", message: "Hello Ferry" }]);
  });

  it("refuses a property of the wrong type", async () => {
    await expect(runTask(helloTask, { name: "x", shout: "loudly" })).rejects.toThrow();
  });
});
`,
    "README.md": `# ${packageName}

A Ferry plugin with one task, \`${type}\` (see \`src/hello.task.ts\`).

\`\`\`sh
npm install && npm run build && npm test
\`\`\`

Load it in \`ferry.yaml\` by npm name or by folder, and check it loads:

\`\`\`yaml
plugins: ["@ferry/plugin-core", "@ferry/plugin-script", "./${packageName.split("/").pop()}"]
\`\`\`

\`\`\`sh
npx ferry config check     # names every loaded plugin, or why one did not load
\`\`\`

Tests use \`runTask\` from \`@ferry/testkit\`: the task runs as a worker runs it (properties
rendered and validated, a full run context) with no server. A plugin for another kind
(storage, secrets, repository, queue) proves itself with that kind's contract suite from
\`@ferry/testkit\` in one call.
`,
  };
}
