import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The server serves the build under /ui/; every page is its own chunk (React.lazy), and the
// heavy parts (Monaco, React Flow, Swagger UI) load only with the pages that use them.
export default defineConfig({
  base: "/ui/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
  },
  worker: { format: "es" },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
