#!/usr/bin/env node
/*
 * `npm test`: the build, then the test suite, with the whole repository's type check (sources,
 * tests, templates) running beside both. The type check reads sources only (the "ferry-src"
 * condition; no package's dist), so it needs no build: it starts at once and uses the core
 * the build leaves idle while turbo runs the packages that wait on each other (sdk, core,
 * engine, server, cli one after the other), then the time the suite spends waiting on its
 * servers, databases and timers. Arguments go to vitest (`npm test --
 * integration-tests/src/cli.test.ts`). Exits non-zero when any part fails, after the type
 * check ended, so a type error and the failing tests are reported by the same run.
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

const typechecked = run(bin("tsc"), ["-p", "tsconfig.json"]);
const build = await run(bin("turbo"), ["run", "build"]);
// integration tests start the built `ferry` binary: no suite on a failed build
const tests = build === 0 ? await run(bin("vitest"), ["run", ...process.argv.slice(2)]) : build;
const typecheck = await typechecked;
if (build !== 0) console.error(`\nnpm test: the build failed (turbo run build exited ${build}); its errors are printed above, and no test ran`);
if (typecheck !== 0) console.error(`\nnpm test: the type check failed (tsc -p tsconfig.json exited ${typecheck}); its errors are printed above`);
process.exit(build !== 0 ? build : typecheck !== 0 ? typecheck : tests);
