/**
 * The configuration the HTTP app reads on every platform: secrets and vars by name. Secrets come from
 * `wrangler secret put` (Cloudflare) or the environment (Deno) in production and `.dev.vars` locally; each
 * webhook source reads its own secret binding (see `workers/ingest/sources`).
 */
export interface Config {
  /** The rate limiter's period in seconds, returned as `Retry-After` on a 429. */
  INGEST_RATE_LIMIT_PERIOD?: string;
  /** Extra webhook sources (Standard Webhooks or generic HMAC senders), declared in wrangler.toml. */
  WEBHOOK_SOURCES?: unknown;
  /**
   * The dashboard's server token(s) for `/api/*`, comma-separated during a rotation: the one caller that may decide on
   * behalf of a signed-in person. Every other caller uses its own API key (`npm run keys`, the dashboard's API keys page).
   */
  CROSSFLOW_API_TOKEN?: string;
  GITHUB_WEBHOOK_SECRET?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  SLACK_SIGNING_SECRET?: string;
  HUBSPOT_CLIENT_SECRET?: string;
  ZENDESK_WEBHOOK_SECRET?: string;
  SHOPIFY_WEBHOOK_SECRET?: string;
  TWILIO_AUTH_TOKEN?: string;
  /** libSQL over HTTP: Turso Cloud in production, the local endpoint from `npm start` in development. */
  TURSO_DATABASE_URL?: string;
  TURSO_AUTH_TOKEN?: string;
  /** Days raw metric events are kept once their case has closed (rollups and case rows are kept). Default 90. */
  METRICS_RETENTION_DAYS?: string;
  /** Base64 PKCS#8 Ed25519 key that signs the daily manifest of audit chain heads (workers/metrics/audit-manifest.ts). */
  AUDIT_SIGNING_KEY?: string;
}
