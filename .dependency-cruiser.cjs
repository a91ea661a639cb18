/**
 * The house's layers, checked on every CI run (`npm run lint:deps`). Each layer imports only layers below it:
 *
 *   0  workers/engine, workers/observability, workers/errors.ts, workers/config.ts,  pure core and shared leaves
 *      workers/case-api.ts (the case API's zod contract)
 *   1  workers/webhooks, workers/agent                                                 the webhook kit, the agent step
 *   2  workers/connectors                                                              one folder per vendor
 *   3  workers/workflows                                                               the user's code
 *   4  workers/ingest, workers/case, workers/metrics, workers/dead-letters,            routing, cases, metrics,
 *      workers/rollouts, workers/shadow, workers/alerts                                rollouts, shadow runs, alerts
 *   5  workers/http                                                                    the Hono app and its port
 *   6  workers/platform                                                                Cloudflare and Deno
 *
 * db/ (schema, facts, KPI definitions, API keys) imports nothing of workers/; the dashboard reads db/, the engine's
 * and workflows' declarations and the case API's contract, never a runtime layer. Tests, scripts, simulators and benches
 * stand outside.
 * ARCHITECTURE.md explains the layers; this file enforces them.
 */
const LAYERS = [
  "^workers/(engine|observability)/|^workers/(errors|config|case-api)\\.ts$",
  "^workers/(webhooks|agent)/",
  "^workers/connectors/",
  "^workers/workflows/",
  "^workers/(ingest|case|metrics|dead-letters|rollouts|shadow|alerts)/",
  "^workers/http/",
  "^workers/platform/",
];

/** One rule per layer: nothing in it reaches a layer above. */
const upward = LAYERS.slice(0, -1).map((from, i) => ({
  name: `layer-${i}-imports-up`,
  comment: `layer ${i} (${from}) imports only layers 0..${i}`,
  severity: "error",
  from: { path: from },
  to: { path: LAYERS.slice(i + 1).join("|") },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "a loop of imports makes every module in it depend on all the others",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "engine-is-pure",
      comment:
        "the engine imports nothing of ours outside it, no runtime and no AI or web package (only noble's hashes)",
      severity: "error",
      from: { path: "^workers/engine/" },
      to: { pathNot: "^workers/engine/|^node_modules/@noble/hashes/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "engine-types-are-ours",
      comment: "even its types come from the engine alone",
      severity: "error",
      from: { path: "^workers/engine/" },
      to: { path: "^workers/(?!engine/)|^db/|^dashboard/" },
    },
    ...upward,
    {
      name: "case-and-metrics-below-ingest",
      comment: "routing builds on cases and metrics, never the other way round",
      severity: "error",
      from: { path: "^workers/(case|metrics|dead-letters)/" },
      to: { path: "^workers/ingest/" },
    },
    {
      name: "db-stands-alone",
      comment: "db/ owns its schema, facts and KPI definitions; the workers import it, not the other way round",
      severity: "error",
      from: { path: "^db/" },
      to: { path: "^(workers|dashboard|scripts|simulators|test|bench)/" },
    },
    {
      name: "dashboard-reads-declarations",
      comment:
        "the dashboard reads db/, the engine's declarations, the workflow catalogue (headers only) and the case API's contract: never a workflow's body, a connector, the agent or a runtime layer",
      severity: "error",
      from: { path: "^dashboard/src/" },
      to: {
        path: "^workers/",
        pathNot: "^workers/engine/|^workers/workflows/catalogue\\.ts$|^workers/case-api\\.ts$",
      },
    },
    {
      name: "product-not-tooling",
      comment: "product code never imports tests, scripts, simulators or benches",
      severity: "error",
      from: { path: "^(workers|db|dashboard/src)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^(test|scripts|simulators|bench)/" },
    },
    {
      name: "no-unresolvable",
      comment:
        "an import the check cannot resolve is an import it cannot hold to the layers (SvelteKit's virtual modules aside)",
      severity: "error",
      from: { path: "^(workers|db|dashboard/src)/" },
      to: { couldNotResolve: true, pathNot: "^\\$app/|^\\$env/|\\$types$|^cloudflare:|^node:|^virtual:" },
    },
    {
      name: "no-dev-dependencies-in-product",
      comment: "what runs in production must be a dependency, not a devDependency",
      severity: "error",
      // The local libSQL endpoint and drizzle-kit's config are development tools that live beside the schema.
      from: { path: "^(workers|db)/", pathNot: "\\.test\\.ts$|^db/local-server/|^db/drizzle\\.config\\.ts$" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // `.wrangler/` is wrangler's scratch space beside a config (the document reader's sits in workers/): never source.
    exclude: { path: "\\.test\\.ts$|/\\.svelte-kit/|^dashboard/build/|/\\.wrangler/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.depcruise.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".svelte", ".d.ts"],
    },
    moduleSystems: ["es6", "cjs"],
  },
};
