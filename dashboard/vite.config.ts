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
  // Every dependency the pages import is found when the dev server starts, not when a route is first opened: a late
  // discovery makes Vite re-optimize and reload every open page mid-use. SvelteKit already scans the routes' `+` files;
  // the lib's components are added so one imported only lazily from them is seen too. uPlot is imported with a dynamic
  // `import()` (browser only), which the scan does not follow: named.
  optimizeDeps: { entries: ["src/routes/**/*.svelte", "src/lib/**/*.svelte"], include: ["uplot"] },
});
