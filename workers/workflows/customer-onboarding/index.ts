/**
 * A telecom customer's onboarding across CRM, compliance, billing, provisioning and email, with the exceptions handled:
 * a document in the wrong format (ask for it again, check the reply's attachment), an ambiguous sanctions/PEP
 * screening (an agent judges, a person below its confidence; a hit goes straight to compliance), market rules
 * declared as data (EU vs US: data residency, consent), a declined card (ask for a new payment method), and no
 * reply (one reminder, then a person). Version 2 talks by SMS (Twilio) to an applicant who gives a phone number
 * and prefers it (`contactBy: "sms"`): questions, reminders and the welcome go by SMS, replies come back by SMS
 * (a document as an MMS attachment), and the case is keyed by that number so the replies find it.
 */
import { complianceClient, complianceConfig } from "../../connectors/compliance/client.ts";
import { emailSlaNotice } from "../../connectors/email/sla-notice.ts";
import { hubspotClient, hubspotConfig } from "../../connectors/hubspot/client.ts";
import { provisioningClient, provisioningConfig } from "../../connectors/provisioning/client.ts";
import { stripeClient, stripeConfig } from "../../connectors/stripe/client.ts";
import { defineWorkflow } from "../../engine/index.ts";
import { catalogued } from "../catalogue.ts";
import { type Application, smsNumber } from "./application.ts";
import { customerContact } from "./contact.ts";
import { customerConversation } from "./conversation.ts";
import { checkDocuments } from "./documents.ts";
import { COMPLIANCE_QUEUE, complianceLeads, ONBOARDING_QUEUE } from "./escalation.ts";
import { markets } from "./markets.ts";
import { consentAsk, paymentAsk, saysYes, stillWaiting, welcome } from "./messages.ts";
import { priceOf } from "./plans.ts";
import { replyText } from "./replies.ts";
import { ONBOARDING_SURVEY } from "./satisfaction.ts";
import { Review, screeningRules } from "./screening.ts";
import { emailKey, V1_TRIGGERS, V2_TRIGGERS, V4_TRIGGERS } from "./triggers.ts";

export type { Application, ApplicationDocument } from "./application.ts";
export { DEFAULT_MARKETS, type MarketRule } from "./markets.ts";
export { questionRules } from "./questions.ts";
export { screeningRules } from "./screening.ts";

/**
 * Version 1 talks by email only; version 2 also by SMS (see the header); version 3 records the Stripe customer it
 * creates as an alias of the case's key, so Stripe's later events for that customer (which carry its id and often no
 * email) find the customer: payment-recovery keys a failed invoice without an email by it. Version 4 answers the
 * customer's questions while a document is awaited, from the knowledge base (knowledge-base/) in their language, and
 * writes its later asks, reminders and the welcome in the language they wrote in (conversation.ts).
 */
function customerOnboarding(version: 1 | 2 | 3 | 4) {
  return defineWorkflow<{ event: string; application: Application }>(
    {
      ...catalogued("customer-onboarding", version),
      slaNotify: (config) => emailSlaNotice(config, { to: "onboarding-leads@crossflow.local" }),
      triggers: version === 1 ? V1_TRIGGERS : version < 4 ? V2_TRIGGERS : V4_TRIGGERS,
      // Version 4 on: how satisfied the customer is, asked once the case resolved (appended after its resolution).
      ...(version >= 4 ? { satisfaction: ONBOARDING_SURVEY } : {}),
    },
    async ({ input, step, agent, config, conversation }) => {
      const app = input.application;
      const contact = customerContact(
        app,
        version >= 2 ? smsNumber(app) : null,
        { step, config, conversation },
        { chat: version >= 4 },
      );
      const { sms } = contact;
      const compliance = () => complianceClient(complianceConfig(config));
      // Version 4 on: questions while a document is awaited are answered from the knowledge base, in the customer's
      // language, which later messages keep (English until the customer writes).
      const talk = version >= 4 ? customerConversation(app, contact, { step, agent }, "en") : undefined;
      const language = () => talk?.language ?? "en";

      // 0. The CRM knows the customer from the start (upserted by email, so a repeat is harmless).
      const hubspot = () => hubspotClient(hubspotConfig(config));
      const crmContact = await step.run("crm-contact", (ctx) =>
        hubspot().upsertContact(
          {
            email: app.email,
            firstname: app.name.split(" ")[0] ?? app.name,
            lastname: app.name.split(" ").slice(1).join(" "),
            lifecyclestage: "opportunity",
            ...(sms ? { phone: sms } : {}),
          },
          ctx,
        ),
      );

      // 1. Documents: a wrong format is asked for again, once; the reply's attachment is checked like the original.
      const documentsRefused = await checkDocuments(app, contact, { step, agent, config }, talk);
      if (documentsRefused) return documentsRefused;

      // 2. Sanctions/PEP screening: a hit is compliance's call; an ambiguous result is judged, within guardrails.
      const screening = await step.run("screening", () =>
        compliance().screen({ name: app.name, birthDate: app.birthDate, nationality: app.country }),
      );
      if (screening.status === "hit") {
        return step.escalate("screening-hit", {
          reason: `sanctions/PEP match: ${screening.candidates.map((c) => `${c.caption} (${c.score})`).join(", ")}`,
          // The applicant beside the candidates: compliance compares them without opening the application.
          evidence: {
            applicant: { name: app.name, birthDate: app.birthDate, country: app.country },
            candidates: screening.candidates,
          },
          ...COMPLIANCE_QUEUE,
          slaNotify: complianceLeads(config),
        });
      }
      if (screening.status === "ambiguous") {
        await agent("screening-review", {
          instructions:
            "Decide whether the applicant is the same person as any screening candidate. Clear only when the data rules it out.",
          promptVersion: "screening-review-1",
          context: { name: app.name, birthDate: app.birthDate, country: app.country, candidates: screening.candidates },
          decision: Review,
          heuristics: screeningRules,
          guardrails: { minConfidence: 0.8, maxToolCalls: 0 },
          escalation: { ...COMPLIANCE_QUEUE, slaNotify: complianceLeads(config) },
        });
      }

      // 3. Market rules, as data.
      const market = await step.decide("market", () => {
        const [name, rule] = Object.entries(markets(config)).find(([, r]) => r.countries.includes(app.country)) ?? [];
        return name && rule
          ? { decision: name, rationale: `${app.country} is in market ${name}`, ...rule }
          : {
              decision: "unsupported",
              rationale: `no market serves ${app.country}`,
              countries: [],
              dataResidency: "",
              consentRequired: false,
            };
      });
      if (market.decision === "unsupported")
        return step.escalate("unsupported-market", { reason: market.rationale, ...ONBOARDING_QUEUE });
      if (market.consentRequired && !app.consent) {
        const residency = String(market.dataResidency);
        talk?.said(consentAsk[language()](residency));
        // Version 4: a question meanwhile ("where is my data kept?") is answered and the ask waits on; a message
        // without one is the answer, as before.
        const reply = await contact.ask(
          "consent",
          "Your consent",
          consentAsk[language()](residency),
          talk && {
            interjections: talk.interjections({
              subject: "Your consent",
              name: "consent-question",
              what: `consent to process their data in ${residency}`,
              stillWaiting: (l) => stillWaiting.consent[l](),
              isReply: (m) => saysYes(replyText(m)) || !replyText(m).includes("?"),
            }),
            reminder: () => consentAsk[language()](residency),
          },
        );
        const agreed = (text: string) => (version >= 4 ? saysYes(text) : /\byes\b/i.test(text));
        if (!reply || !agreed(replyText(reply)))
          return step.escalate("no-consent", {
            reason: reply ? "the customer did not agree" : "no answer within 72 h",
            ...ONBOARDING_QUEUE,
          });
      }

      // 4. Billing: a declined card asks for another payment method, once.
      const stripe = () => stripeClient(stripeConfig(config));
      const customer = await step.run("stripe-customer", (ctx) =>
        stripe().createCustomer({ email: app.email, name: app.name }, ctx),
      );
      // Under the email key the billing workflows use, also for applicants whose onboarding is keyed by phone.
      if (version >= 3) await step.alias("stripe-customer", customer.id, { key: emailKey(app.email) ?? undefined });
      const price = priceOf(app.plan);
      let subscription = await step.run("subscription", (ctx) =>
        stripe().subscribe({ customer: customer.id, price, paymentMethod: app.paymentMethod }, ctx),
      );
      if ("declined" in subscription) {
        talk?.said(paymentAsk[language()]);
        const reply = await contact.ask(
          "payment-method",
          "Your payment",
          paymentAsk[language()],
          talk && {
            interjections: talk.interjections({
              subject: "Your payment",
              name: "payment-question",
              what: "a new payment method (pm_…)",
              stillWaiting: (l) => stillWaiting.payment[l](),
              isReply: (m) => /\bpm_\w+/.test(replyText(m)) || !replyText(m).includes("?"),
            }),
            reminder: () => paymentAsk[language()],
          },
        );
        const paymentMethod = reply ? (/\bpm_\w+\b/.exec(replyText(reply))?.[0] ?? null) : null;
        if (!paymentMethod)
          return step.escalate("card-declined", {
            reason: reply ? "the reply named no payment method" : "no new payment method within 72 h",
            queue: "billing",
          });
        subscription = await step.run("subscription-new-method", (ctx) =>
          stripe().subscribe({ customer: customer.id, price, paymentMethod }, ctx),
        );
        if ("declined" in subscription)
          return step.escalate("card-declined-again", {
            reason: `the new payment method was declined too: ${subscription.declined}`,
            queue: "billing",
          });
      }

      // 5. Provisioning reports activation with a signed webhook.
      await step.run("activate", (ctx) =>
        provisioningClient(provisioningConfig(config)).activate(
          {
            customer: { email: app.email, name: app.name, ...(sms ? { phone: sms } : {}) },
            plan: app.plan,
            market: market.decision,
          },
          ctx,
        ),
      );
      const activated = await step.waitFor(
        "service-activated",
        { source: "provisioning", type: "service.activated" },
        { timeout: "1h" },
      );
      if (!activated)
        return step.escalate("activation-timeout", {
          reason: "provisioning did not confirm within an hour",
          queue: "provisioning",
        });

      // 6. Welcome, and the CRM records it.
      await step.run("welcome", (ctx) => contact.send("Welcome", welcome[language()](app.name, app.plan), ctx));
      await step.run("crm-note", (ctx) =>
        hubspot().addNote(
          crmContact.id,
          `Onboarded: ${app.plan} in ${market.decision} (subscription ${subscription.id}).`,
          activated.receivedAt,
          ctx,
        ),
      );
      // Version 4: the language the case ended up speaking, a fact of the case beside its market and plan.
      return step.resolve("onboarded", {
        market: market.decision,
        plan: app.plan,
        subscription: subscription.id,
        ...(talk ? { language: language() } : {}),
      });
    },
  );
}

export const customerOnboardingV1 = customerOnboarding(1);
export const customerOnboardingV2 = customerOnboarding(2);
export const customerOnboardingV3 = customerOnboarding(3);
export default customerOnboarding(4);
