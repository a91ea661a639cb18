/** The API keys the local simulators accept (local-only values; real keys come from secrets). */
export const SIMULATOR_KEYS = {
  stripe: "sk_test_crossflow_local",
  resend: "re_crossflow_local",
  zendesk: "zd_crossflow_local",
  compliance: "cmp_crossflow_local",
  provisioning: "prv_crossflow_local",
  hubspot: "pat_crossflow_local",
  /** A Twilio API key as `<key sid>:<secret>` (HTTP basic auth); the account is `SIMULATOR_TWILIO_ACCOUNT`. */
  twilio: "SKcrossflowlocal0000000000000000:twilio_crossflow_local",
  /** A Slack bot token. */
  slack: "xoxb-crossflow-local",
  /** The Salesforce External Client App's consumer secret; its consumer key is `SIMULATOR_SALESFORCE_CLIENT_ID`. */
  salesforce: "sf_crossflow_local",
} as const;

/** The account SID the Twilio simulator serves (`/2010-04-01/Accounts/{AccountSid}/…`). */
export const SIMULATOR_TWILIO_ACCOUNT = "AC00000000000000000000000000c0ffee";
/** The Slack workspace the simulator pretends to be. */
export const SIMULATOR_SLACK_TEAM = "T0CROSSFLOW";
/** The consumer key of the External Client App the Salesforce simulator knows. */
export const SIMULATOR_SALESFORCE_CLIENT_ID = "3MVG9CrossflowLocalClient";
