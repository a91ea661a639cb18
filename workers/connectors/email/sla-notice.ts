/**
 * SLA notices by email to a team's address: a person's task that passed its deadline undecided, where it waited, how
 * late it is and where it went. Sent through the email client under the notice step's idempotency key.
 */
import { type SlaNotifier, slaNoticeText } from "../../engine/index.ts";
import { emailClient, emailConfig } from "./client.ts";

/**
 * Emails a queue's address (e.g. the compliance leads) when a task is past its SLA; reads its settings when it sends,
 * inside the notice's step. `CROSSFLOW_SLA_EMAIL` overrides the address.
 * @example defineWorkflow({ id: "customer-onboarding", ..., slaNotify: (config) => emailSlaNotice(config, { to: "onboarding-leads@example.com" }) }, body)
 */
export function emailSlaNotice(config: Readonly<Record<string, unknown>>, options: { to: string }): SlaNotifier {
  return {
    name: "email",
    send: (notice, ctx) => {
      const settings = emailConfig(config);
      const to =
        typeof config.CROSSFLOW_SLA_EMAIL === "string" && config.CROSSFLOW_SLA_EMAIL
          ? config.CROSSFLOW_SLA_EMAIL
          : options.to;
      const { subject, lines } = slaNoticeText(notice);
      return emailClient(settings).send({ from: settings.from, to, subject, text: lines.join("\n") }, ctx);
    },
  };
}
