import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";
import { errorGuard } from "./vite-error-guard.ts";

export default defineConfig({
  // errorGuard after sveltekit(): its error handler must come after SvelteKit's middleware to see its errors.
  plugins: [sveltekit(), errorGuard()],
  server: {
    fs: {
      // Vite's dev server hands out any allowed file at `/@fs/<absolute path>` with no session, so only what the
      // dashboard loads is allowed: its own folder, the repository's `db/` and `workers/` (shared schema, client,
      // workflows and types it imports) and the installed packages. Never the checkout itself (`.dev.vars`, `.data/`).
      allow: [".", "../db", "../workers", "../node_modules"],
      // Refused even inside an allowed folder (a name without `/` matches at any depth): dot-files such as
      // `.dev.vars*` and `.env*`, local databases, wrangler's state, keys and git's objects.
      deny: [".*", "**/.data/**", "**/.wrangler/**", "**/.git/**", "*.db", "*.db-*", "*.sqlite*", "*.{crt,pem,key}"],
    },
  },
  // uPlot is imported lazily (browser only): pre-bundle it when the dev server starts, or the first page that draws a
  // chart makes Vite discover it, re-optimize and reload every open page mid-use.
  optimizeDeps: { include: ["uplot"] },
});
