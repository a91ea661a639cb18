/** One module per signature scheme; each is mandatory for a configured source (there is no "skip" switch). */
export { genericHmacScheme, type GenericHmacOptions } from "../../webhooks/generic-hmac.ts";
export { githubScheme } from "./github.ts";
export { hubspotScheme, hubspotSignedUri } from "./hubspot.ts";
export { shopifyScheme } from "./shopify.ts";
export { slackScheme } from "./slack.ts";
export { standardWebhooksKey, standardWebhooksScheme } from "../../webhooks/standard-webhooks.ts";
export { stripeScheme } from "./stripe.ts";
export { twilioScheme, twilioSignedString, twilioUrlCandidates } from "./twilio.ts";
export { zendeskScheme } from "./zendesk.ts";
