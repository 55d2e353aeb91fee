import react from "@vitejs/plugin-react";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig } from "vite";

// monaco-editor 0.57's exports map lacks the esm/vs/… paths that monaco-yaml's worker manager
// imports (monaco-editor/esm/vs/editor/editor.worker.js): point them at the files themselves
const monacoVs = join(dirname(createRequire(import.meta.url).resolve("monaco-editor")), "../../esm/vs");

// The server serves the build under /ui/; every page is its own chunk (React.lazy), and the
// heavy parts (Monaco, React Flow, Swagger UI) load only with the pages that use them.
export default defineConfig({
  base: "/ui/",
  plugins: [react()],
  resolve: { alias: [{ find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: `${monacoVs}/$1` }] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
  },
  worker: { format: "es" },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
