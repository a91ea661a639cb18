/**
 * One vitest run, four projects: `unit` (pure code, beside its source, in Node), `workers` (inside workerd
 * against the real case Durable Object), `e2e` (the real stack over HTTP) and `browser` (Chromium against the
 * dashboard, run by `npm run test:browser`).
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const WORKERS_TEST_SECRET = "workers-test-github-secret";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["workers/**/*.test.ts", "db/**/*.test.ts", "scripts/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                GITHUB_WEBHOOK_SECRET: `${WORKERS_TEST_SECRET}, an-older-rotated-secret`,
                TURSO_DATABASE_URL: inject("libsqlUrl"),
                TURSO_AUTH_TOKEN: "",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["test/support/libsql-global-setup.ts"],
          provide: { githubSecret: WORKERS_TEST_SECRET },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 150_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
