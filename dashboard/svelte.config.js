import { fileURLToPath } from "node:url";
import node from "@sveltejs/adapter-node";

/**
 * Where the build runs, chosen when building: `CROSSFLOW_DASHBOARD_ADAPTER=cloudflare` builds a Worker (with static
 * assets) for `wrangler deploy` with this folder's wrangler.toml; `node`, or nothing, the Node server in
 * `build/` (`node dashboard/build`) for self-hosting, the default and what every local run uses. Both read the same environment names
 * (`$env/dynamic/private`): a Worker's vars and secrets, or the Node process's environment.
 */
const target = process.env.CROSSFLOW_DASHBOARD_ADAPTER || "node";
if (!["node", "cloudflare"].includes(target)) {
  throw new Error(`CROSSFLOW_DASHBOARD_ADAPTER must be "node" or "cloudflare", not "${target}"`);
}
// Loaded only when asked for: the Cloudflare adapter imports all of wrangler, which `vite dev` and svelte-check
// (every local start and check) would otherwise load for nothing.
const adapter =
  target === "cloudflare"
    ? (await import("@sveltejs/adapter-cloudflare")).default({
        config: fileURLToPath(new URL("wrangler.toml", import.meta.url)),
      })
    : node();

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter,
    // The shared code the dashboard's server imports from the repository (schema, client, KPIs; workflow headers and
    // engine types), by name rather than by `../../../../../`. SvelteKit passes these to Vite and to the generated
    // tsconfig, so the dev server, the build and svelte-check resolve them alike.
    alias: {
      $db: "../db",
      $workers: "../workers",
    },
    // The pages' Content-Security-Policy: SvelteKit adds a nonce (or hash) for its own inline boot script, so no
    // other script runs. Styles need 'unsafe-inline' (Svelte's `style=` attributes; Vite injects <style> in dev);
    // uPlot draws on a canvas. `frame-ancestors 'none'` forbids framing (hooks.server.ts also sends X-Frame-Options).
    csp: {
      mode: "auto",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        "style-src": ["self", "unsafe-inline"],
        "img-src": ["self", "data:", "blob:"],
        "font-src": ["self"],
        "connect-src": ["self"],
        "object-src": ["none"],
        "base-uri": ["self"],
        "form-action": ["self"],
        "frame-ancestors": ["none"],
      },
    },
    typescript: {
      config: (config) => ({
        ...config,
        compilerOptions: { ...config.compilerOptions, allowImportingTsExtensions: true },
      }),
    },
  },
};
