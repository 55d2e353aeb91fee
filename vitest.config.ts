import { defineConfig } from "vitest/config";

// Unit tests import workspace packages from their sources (the "ferry-src" export
// condition), so a test always sees the code beside it; integration tests start the
// built `ferry` binary, which `npm test` builds first.
export default defineConfig({
  resolve: { conditions: ["ferry-src"] },
  ssr: { resolve: { conditions: ["ferry-src"] } },
  test: {
    include: ["**/src/**/*.test.ts"],
    // .scaffold-*: plugins `ferry plugin new` writes during a test, which runs their tests itself
    exclude: ["**/node_modules/**", "**/dist/**", "**/.scaffold-*/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
