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
    // examples/backends: outside backends in plain JavaScript, tested as their authors would
    include: ["**/src/**/*.test.ts", "examples/backends/*/src/**/*.test.js"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // three test files at a time on CI's two cores: a file waiting on its servers, databases or
    // timers leaves CPU another can use. Fresh clones' runs: 810 s on two workers, 754 s and
    // 809 s on three, the cores 95-98 % busy, so the gain is small and more would only slow
    // each file. Each file owns its databases, key prefixes and folders.
    maxWorkers: 3,
    sequence: { sequencer: ProcessFilesFirst },
  },
});
