/**
 * One vitest run, four projects: `unit` (pure code, beside its source, in Node), `workers` (inside workerd
 * against the real case Durable Object), `e2e` (the real stack over HTTP) and `browser` (Chromium against the
 * dashboard, run by `npm run test:browser`).
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { SIMULATOR_KEYS, SIMULATOR_TWILIO_ACCOUNT } from "./simulators/keys.ts";

/** Secrets for the workerd tests; each source gets its own, plus a second GitHub one to test rotation. */
export const TEST_SECRETS = {
  GITHUB_WEBHOOK_SECRET: "workers-test-github-secret",
  STRIPE_WEBHOOK_SECRET: "whsec_workers_test_stripe",
  SLACK_SIGNING_SECRET: "workers-test-slack",
  HUBSPOT_CLIENT_SECRET: "workers-test-hubspot",
  ZENDESK_WEBHOOK_SECRET: "workers-test-zendesk",
  SHOPIFY_WEBHOOK_SECRET: "workers-test-shopify",
  TWILIO_AUTH_TOKEN: "workers-test-twilio",
  RESEND_WEBHOOK_SECRET: "whsec_d29ya2Vycy10ZXN0LXJlc2VuZC1zZWNyZXQ=",
  PROVISIONING_WEBHOOK_SECRET: "workers-test-provisioning",
  ONBOARDING_FORM_SECRET: "workers-test-onboarding-form",
  CROSSFLOW_API_TOKEN: "workers-test-api-token",
  /** People who may approve from Slack: one operator, one viewer (a role that cannot approve). */
  SLACK_APPROVERS: JSON.stringify({
    U0TESTOPS: { id: "ops-ana", roles: ["operator"] },
    U0TESTVIEW: { id: "viewer-bo", roles: ["viewer"] },
  }),
};

function simulatorBindings(url: string) {
  return {
    STRIPE_API_KEY: SIMULATOR_KEYS.stripe,
    STRIPE_API_BASE_URL: `${url}/stripe`,
    RESEND_API_KEY: SIMULATOR_KEYS.resend,
    RESEND_API_BASE_URL: `${url}/resend`,
    ZENDESK_API_TOKEN: SIMULATOR_KEYS.zendesk,
    ZENDESK_API_BASE_URL: `${url}/zendesk`,
    COMPLIANCE_API_KEY: SIMULATOR_KEYS.compliance,
    COMPLIANCE_API_BASE_URL: `${url}/compliance`,
    PROVISIONING_API_KEY: SIMULATOR_KEYS.provisioning,
    PROVISIONING_API_BASE_URL: `${url}/provisioning`,
    HUBSPOT_ACCESS_TOKEN: SIMULATOR_KEYS.hubspot,
    HUBSPOT_API_BASE_URL: `${url}/hubspot`,
    TWILIO_ACCOUNT_SID: SIMULATOR_TWILIO_ACCOUNT,
    TWILIO_API_KEY: SIMULATOR_KEYS.twilio,
    TWILIO_API_BASE_URL: `${url}/twilio`,
    TWILIO_FROM: "+15005550006",
    // Two test workflows that text the same customers, each from a number of its own (test/workers/conversation-workflows.ts).
    TWILIO_FROM_SMS_THREAD_A: "+15005550101",
    TWILIO_FROM_SMS_THREAD_B: "+15005550102",
    SLACK_BOT_TOKEN: SIMULATOR_KEYS.slack,
    SLACK_API_BASE_URL: `${url}/slack/api`,
  };
}

function workersProject(name: string, include: string[], rateLimit: { limit: number; period: number }) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        // The product's worker, whose case objects also know the test workflows and read the test clock.
        main: "./test/workers/entry.ts",
        miniflare: {
          bindings: {
            ...TEST_SECRETS,
            GITHUB_WEBHOOK_SECRET: `${TEST_SECRETS.GITHUB_WEBHOOK_SECRET}, an-older-rotated-secret`,
            TURSO_DATABASE_URL: inject("libsqlUrl"),
            SIMULATORS_URL: inject("simulatorsUrl"),
            // The product's connectors, pointed at the simulators (the reference workflows run inside workerd too).
            ...simulatorBindings(inject("simulatorsUrl")),
            TURSO_AUTH_TOKEN: "",
            INGEST_RATE_LIMIT_PERIOD: String(rateLimit.period),
          },
          ratelimits: { INGEST_RATE_LIMITER: { simple: rateLimit } },
          // The document reader's own Worker, which wrangler.toml's DOCUMENTS binding names, built by the global setup.
          workers: [
            {
              name: "crossflow-documents",
              modules: true,
              scriptPath: inject("documentsWorker").scriptPath,
              // Its bundle sits in a temporary folder: module paths are taken relative to it.
              modulesRoot: inject("documentsWorker").dir,
              compatibilityDate: inject("documentsWorker").compatibilityDate,
            },
          ],
        },
      })),
    ],
    test: {
      name,
      include,
      globalSetup: [
        "test/support/libsql-global-setup.ts",
        "test/support/simulators-global-setup.ts",
        "test/support/documents-worker-global-setup.ts",
      ],
      provide: { githubSecret: TEST_SECRETS.GITHUB_WEBHOOK_SECRET },
      testTimeout: 60_000,
    },
  };
}

export default defineConfig({
  test: {
    // Two files at a time even on two cores (vitest's default there is one): most e2e files wait on their stack, a
    // timer or an outage they stage rather than on the CPU, so `npm test` ran nearly serially (tests 809 s of a
    // 987 s run in CI). The browser project keeps its files one after another (below).
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          include: ["workers/**/*.test.ts", "db/**/*.test.ts", "dashboard/src/**/*.test.ts", "scripts/**/*.test.ts"],
          environment: "node",
        },
      },
      workersProject("workers", ["test/workers/**/*.test.ts"], { limit: 1_000_000, period: 60 }),
      // The rate limit needs a small limit of its own, so it runs in a separate miniflare.
      workersProject("workers-limits", ["test/workers-limits/**/*.test.ts"], { limit: 5, period: 10 }),
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          // A stack's start (esbuild bundling two Workers, workerd, libSQL, simulators) shares two cores with the other
          // projects' files at the start of `npm test`: 150 s was once not enough in CI (refund-dispute, 2026-12-02).
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          // Each file runs a whole stack (libSQL, simulators, wrangler dev, vite) plus Chromium: on two cores, files
          // run one after another, so no page waits on another file's CPU.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
