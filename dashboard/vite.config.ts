import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  // The dashboard reads the metrics schema and client from the repository's shared `db/` folder.
  server: { fs: { allow: [".."] } },
  // uPlot is imported lazily (browser only): pre-bundle it when the dev server starts, or the first page that draws a
  // chart makes Vite discover it, re-optimize and reload every open page mid-use.
  optimizeDeps: { include: ["uplot"] },
});
