/**
 * Every signature scheme: each vendor's from its folder in connectors/, the generic ones from the webhook kit. Each is
 * mandatory for a configured source (there is no "skip" switch).
 */

export { githubScheme } from "../../connectors/github/scheme.ts";
export { hubspotScheme, hubspotSignedUri } from "../../connectors/hubspot/scheme.ts";
export { shopifyScheme } from "../../connectors/shopify/scheme.ts";
export { slackScheme } from "../../connectors/slack/scheme.ts";
export { stripeScheme } from "../../connectors/stripe/scheme.ts";
export { twilioScheme, twilioSignedString, twilioUrlCandidates } from "../../connectors/twilio/scheme.ts";
export { zendeskScheme } from "../../connectors/zendesk/scheme.ts";
export {
  type GenericHmacOptions,
  genericHmacScheme,
  standardWebhooksKey,
  standardWebhooksScheme,
} from "../../webhooks/index.ts";
