/**
 * The metrics database's schema, one module per concern (drizzle-kit reads the folder, db/drizzle.config.ts):
 * measurements (schema/metrics.ts), accounts and API keys (schema/accounts.ts), the dashboard's own records
 * (schema/dashboard.ts), rollouts, autonomy and shadow runs (schema/rollouts.ts), alerts (schema/alerts.ts), the local demo history
 * (schema/demo-history.ts), the versions of the workflows' policies (schema/policies.ts), the workflows' baselines before
 * automation (schema/baselines.ts). Import the tables from here.
 */

export { CASE_STATUSES, type CaseStatus } from "./facts.ts";
export * from "./schema/accounts.ts";
export * from "./schema/alerts.ts";
export * from "./schema/baselines.ts";
export * from "./schema/dashboard.ts";
export * from "./schema/demo-history.ts";
export * from "./schema/metrics.ts";
export * from "./schema/policies.ts";
export * from "./schema/rollouts.ts";
