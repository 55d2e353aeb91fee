import { defineConfig } from "vitest/config";

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
    // two test files at a time on CI's two cores: the suites wait on processes, databases and
    // timers far more than they compute, and each owns its databases, key prefixes and folders
    maxWorkers: 2,
  },
});
