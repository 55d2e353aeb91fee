import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Vitest runs the files whose durations it remembers longest first; a fresh clone (CI) has
 * none, so it runs larger files first. The integration files are short to read and long to
 * run (a plugin scaffolded, built and tested for each kind is 175 lines and two minutes), so
 * they landed last and ran alone on one worker after the rest had ended. With no durations
 * known, files that start real processes go first, in Vitest's order within each group.
 */
class ProcessFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const key = (file: TestSpecification) => `${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`;
    if (sorted.every((file) => this.ctx.cache.getFileTestResults(key(file)))) return sorted;
    const startsProcesses = (file: TestSpecification) => relative(this.ctx.config.root, file.moduleId).startsWith("integration-tests/");
    return [...sorted.filter(startsProcesses), ...sorted.filter((file) => !startsProcesses(file))];
  }
}

// Unit tests import workspace packages from their sources (the "ferry-src" export
// condition), so a test always sees the code beside it; integration tests start the
// built `ferry` binary, which `npm test` builds first.
export default defineConfig({
  resolve: { conditions: ["ferry-src"] },
  ssr: { resolve: { conditions: ["ferry-src"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // three test files at a time on CI's two cores: a file waiting on its servers, databases or
    // timers leaves CPU another can use. Fresh clones' runs: 810 s on two workers, 754 s and
    // 809 s on three, the cores 95-98 % busy, so the gain is small and more would only slow
    // each file. Each file owns its databases, key prefixes and folders.
    maxWorkers: 3,
    sequence: { sequencer: ProcessFilesFirst },
    projects: [
      // Files of the same project share a worker's module cache (isolate: false): each file used to
      // import and evaluate the workspace's sources afresh, most of a unit file's time. The engine's
      // 55 files, by themselves on a loaded box: 112 s of CPU isolated, 37 s shared; core and sdk
      // 49 s against 20 s. A unit test file therefore leaves no global behind (environment
      // variables, timers, patched modules): each restores what it changes in its own hooks.
      // (examples/backends: outside backends in plain JavaScript, tested as their authors would)
      {
        extends: true,
        test: { name: "unit", include: ["**/src/**/*.test.ts", "examples/backends/*/src/**/*.test.js"], exclude: ["**/node_modules/**", "**/dist/**", "integration-tests/**"], isolate: false },
      },
      // files that start the built binary: each keeps its own process, their imports are small
      { extends: true, test: { name: "integration", include: ["integration-tests/src/**/*.test.ts"] } },
    ],
  },
});
