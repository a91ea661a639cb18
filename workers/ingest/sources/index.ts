/**
 * The senders Crossflow accepts: the built-in ones plus those declared in `WEBHOOK_SOURCES`. A source with no
 * secret in its binding accepts nothing: verification is never optional. Each vendor's source lives in its folder in
 * connectors/, the configured ones are built by the webhook kit.
 */

import { github } from "../../connectors/github/source.ts";
import { hubspot } from "../../connectors/hubspot/source.ts";
import { shopify } from "../../connectors/shopify/source.ts";
import { slack } from "../../connectors/slack/source.ts";
import { stripe } from "../../connectors/stripe/source.ts";
import { twilio } from "../../connectors/twilio/source.ts";
import { zendesk } from "../../connectors/zendesk/source.ts";
import { customSource, parseCustomSources, type WebhookSource } from "../../webhooks/index.ts";

export const BUILT_IN_SOURCES: readonly WebhookSource[] = [github, stripe, slack, hubspot, zendesk, shopify, twilio];

let cached: { raw: unknown; key: string; sources: ReadonlyMap<string, WebhookSource> } | undefined;

/**
 * All sources by name; the configured ones are parsed once per isolate. The runtime may hand each request a
 * fresh copy of a JSON var, so the cache is keyed by content, not only by identity.
 */
export function resolveSources(customConfig: unknown): ReadonlyMap<string, WebhookSource> {
  if (cached && cached.raw === customConfig) return cached.sources;
  const key = typeof customConfig === "string" ? customConfig : JSON.stringify(customConfig ?? null);
  if (cached && cached.key === key) {
    cached.raw = customConfig;
    return cached.sources;
  }
  const sources = new Map(BUILT_IN_SOURCES.map((s) => [s.name, s]));
  for (const config of parseCustomSources(customConfig)) {
    if (sources.has(config.name)) throw new TypeError(`WEBHOOK_SOURCES: "${config.name}" is already a source`);
    sources.set(config.name, customSource(config));
  }
  cached = { raw: customConfig, key, sources };
  return sources;
}

export { type CustomSourceConfig, parseCustomSources } from "../../webhooks/index.ts";
