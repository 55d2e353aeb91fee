#!/usr/bin/env node
/*
 * `npm test` after the build: the whole repository's type check (sources, tests, templates)
 * and the test suite, side by side. The suite spends most of its time waiting on the servers,
 * databases and timers it drives, so the type check's minute of CPU fits beside it instead
 * of coming before it. Arguments go to vitest (`npm test -- integration-tests/src/cli.test.ts`).
 * Exits non-zero when either fails, after both ended, so a type error and the failing tests
 * are reported by the same run.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules/.bin", name);
const run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit" });
    child.on("error", (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const [typecheck, tests] = await Promise.all([run(bin("tsc"), ["-p", "tsconfig.json"]), run(bin("vitest"), ["run", ...process.argv.slice(2)])]);
if (typecheck !== 0) console.error(`\nnpm test: the type check failed (tsc -p tsconfig.json exited ${typecheck}); its errors are printed above`);
process.exit(typecheck !== 0 ? typecheck : tests);
