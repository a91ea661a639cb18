import adapter from "@sveltejs/adapter-node";

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter(),
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
