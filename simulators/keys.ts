/** The API keys the local simulators accept (local-only values; real keys come from secrets). */
export const SIMULATOR_KEYS = { stripe: "sk_test_crossflow_local", resend: "re_crossflow_local", zendesk: "zd_crossflow_local", compliance: "cmp_crossflow_local", provisioning: "prv_crossflow_local", hubspot: "pat_crossflow_local" } as const;
