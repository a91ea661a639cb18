/**
 * Crossflow's own signup-form intake as a connector: submits an application to the `onboarding-form` webhook source
 * exactly as the website's form does (HMAC-SHA256 over `<timestamp>.<body>` in `X-Signature`, the event id in
 * `X-Event-Id`). The step's idempotency key is the event id, so a repeated submission is a duplicate at the ingest,
 * never a second case.
 */
import { FatalError } from "../../engine/index.ts";
import { bytesToHex, signHmac } from "../../ingest/hmac.ts";
import { callApi } from "../http.ts";

export interface OnboardingFormSettings {
  /** The worker's `…/hooks/onboarding-form` URL (`ONBOARDING_FORM_URL`). */
  url: string;
  secret: string;
}

/** Settings from configuration: `ONBOARDING_FORM_URL` and the form's signing secret `ONBOARDING_FORM_SECRET` (its first, during a rotation). */
export function onboardingFormConfig(config: Readonly<Record<string, unknown>>): OnboardingFormSettings {
  const url = typeof config.ONBOARDING_FORM_URL === "string" ? config.ONBOARDING_FORM_URL : "";
  if (!url) throw new FatalError("ONBOARDING_FORM_URL is not set (the worker's https://…/hooks/onboarding-form)");
  const secret = typeof config.ONBOARDING_FORM_SECRET === "string" ? config.ONBOARDING_FORM_SECRET.split(/[\s,]+/).find(Boolean) : undefined;
  if (!secret) throw new FatalError("ONBOARDING_FORM_SECRET is not set");
  return { url, secret };
}

export function onboardingFormClient(settings: OnboardingFormSettings) {
  const api = { system: "onboarding-form", baseUrl: settings.url, apiKey: "", auth: "none" as const };
  return {
    /**
     * @example await form.submit(application, ctx); // answered 202 (a new case) or 200 (a duplicate)
     */
    async submit(application: unknown, ctx: { idempotencyKey: string }, now = Date.now()) {
      const body = JSON.stringify({ event: "application.submitted", application });
      const t = String(Math.floor(now / 1000));
      const signature = bytesToHex(await signHmac("SHA-256", settings.secret, `${t}.${body}`));
      return callApi<{ accepted: number; duplicate: boolean; deliveries: { cases: { workflow: string; caseKey: string }[] }[] }>(api, "", {
        raw: { body, contentType: "application/json" },
        headers: { "x-event-id": ctx.idempotencyKey, "x-signature-timestamp": t, "x-signature": `sha256=${signature}` },
      });
    },
  };
}
