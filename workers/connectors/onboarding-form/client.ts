/**
 * Crossflow's own signup-form intake as a connector: submits an application to the `onboarding-form` webhook source
 * exactly as the website's form does (HMAC-SHA256 over `<timestamp>.<body>` in `X-Signature`, the event id in
 * `X-Event-Id`). The step's idempotency key is the event id, so a repeated submission is a duplicate at the ingest,
 * never a second case.
 */
import { FatalError } from "../../engine/index.ts";
import { bytesToHex, signHmac } from "../../webhooks/hmac.ts";
import { callApi, configuredFetch } from "../http.ts";

export interface OnboardingFormSettings {
  /** The worker's `…/hooks/onboarding-form` URL (`ONBOARDING_FORM_URL`). */
  url: string;
  secret: string;
  /** How to reach it: the worker's own service binding (`SELF`) on Cloudflare, else the network. */
  fetch?: typeof fetch;
}

/** Only the path matters through the binding; the host names nothing. */
const THROUGH_SELF = "https://crossflow.self/hooks/onboarding-form";

/**
 * Settings from configuration: the worker's own service binding `SELF` (or, without one, `ONBOARDING_FORM_URL`) and
 * the form's signing secret `ONBOARDING_FORM_SECRET` (its first, during a rotation).
 */
export function onboardingFormConfig(config: Readonly<Record<string, unknown>>): OnboardingFormSettings {
  const self = config.SELF as { fetch: typeof fetch } | undefined;
  const configured = typeof config.ONBOARDING_FORM_URL === "string" ? config.ONBOARDING_FORM_URL : "";
  const url = configured || (self ? THROUGH_SELF : "");
  if (!url)
    throw new FatalError(
      "ONBOARDING_FORM_URL is not set (the worker's https://…/hooks/onboarding-form), and there is no SELF binding",
    );
  const secret =
    typeof config.ONBOARDING_FORM_SECRET === "string"
      ? config.ONBOARDING_FORM_SECRET.split(/[\s,]+/).find(Boolean)
      : undefined;
  if (!secret) throw new FatalError("ONBOARDING_FORM_SECRET is not set");
  // A sandbox's fetch (a shadow run) comes first: nothing it runs may reach the worker or the network.
  const sandboxFetch = configuredFetch(config);
  if (sandboxFetch) return { url, secret, fetch: sandboxFetch };
  return { url, secret, ...(self ? { fetch: ((input, init) => self.fetch(input, init)) as typeof fetch } : {}) };
}

export function onboardingFormClient(settings: OnboardingFormSettings) {
  const api = {
    system: "onboarding-form",
    baseUrl: settings.url,
    apiKey: "",
    auth: "none" as const,
    fetch: settings.fetch,
  };
  return {
    /**
     * @example await form.submit(application, ctx); // answered 202 (a new case) or 200 (a duplicate)
     */
    async submit(application: unknown, ctx: { idempotencyKey: string }, now = Date.now()) {
      const body = JSON.stringify({ event: "application.submitted", application });
      const t = String(Math.floor(now / 1000));
      const signature = bytesToHex(await signHmac("SHA-256", settings.secret, `${t}.${body}`));
      return callApi<{
        accepted: number;
        duplicate: boolean;
        deliveries: { cases: { workflow: string; caseKey: string }[] }[];
      }>(api, "", {
        raw: { body, contentType: "application/json" },
        headers: { "x-event-id": ctx.idempotencyKey, "x-signature-timestamp": t, "x-signature": `sha256=${signature}` },
      });
    },
  };
}
