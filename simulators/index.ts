/**
 * The local SaaS systems, one process, each under its own path prefix (`/stripe`, `/resend`, `/zendesk`, `/compliance`, `/provisioning`, `/hubspot`, `/twilio`, `/slack`, `/salesforce`), served on a
 * free port for `npm start` and the tests.
 */

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { complianceSimulator } from "./compliance.ts";
import { emailSimulator } from "./email.ts";
import { hubspotSimulator } from "./hubspot.ts";
import {
  SIMULATOR_KEYS,
  SIMULATOR_SALESFORCE_CLIENT_ID,
  SIMULATOR_SLACK_TEAM,
  SIMULATOR_TWILIO_ACCOUNT,
} from "./keys.ts";
import { provisioningSimulator } from "./provisioning.ts";
import { salesforceSimulator } from "./salesforce.ts";
import { slackSimulator } from "./slack.ts";
import { stripeSimulator } from "./stripe.ts";
import { twilioSimulator } from "./twilio.ts";
import { zendeskSimulator } from "./zendesk.ts";

export { SIMULATOR_KEYS, SIMULATOR_SALESFORCE_CLIENT_ID, SIMULATOR_SLACK_TEAM, SIMULATOR_TWILIO_ACCOUNT };

export function createSimulators() {
  const stripe = stripeSimulator(SIMULATOR_KEYS.stripe);
  const resend = emailSimulator(SIMULATOR_KEYS.resend);
  const zendesk = zendeskSimulator(SIMULATOR_KEYS.zendesk);
  const compliance = complianceSimulator(SIMULATOR_KEYS.compliance);
  const provisioning = provisioningSimulator(SIMULATOR_KEYS.provisioning);
  const hubspot = hubspotSimulator(SIMULATOR_KEYS.hubspot);
  const twilio = twilioSimulator(SIMULATOR_KEYS.twilio);
  const slack = slackSimulator(SIMULATOR_KEYS.slack);
  const salesforce = salesforceSimulator({ id: SIMULATOR_SALESFORCE_CLIENT_ID, secret: SIMULATOR_KEYS.salesforce });
  const app = new Hono();
  app.route("/stripe", stripe.app);
  app.route("/resend", resend.app);
  app.route("/zendesk", zendesk.app);
  app.route("/compliance", compliance.app);
  app.route("/provisioning", provisioning.app);
  app.route("/hubspot", hubspot.app);
  app.route("/twilio", twilio.app);
  app.route("/slack", slack.app);
  app.route("/salesforce", salesforce.app);
  app.get("/healthz", (c) =>
    c.json({
      ok: true,
      systems: [
        "stripe",
        "resend",
        "zendesk",
        "compliance",
        "provisioning",
        "hubspot",
        "twilio",
        "slack",
        "salesforce",
      ],
    }),
  );
  return { app, stripe, resend, zendesk, compliance, provisioning, hubspot, twilio, slack, salesforce };
}

/** Serves every simulator on `port` (0: a free one); resolves with the base URL and a close function. */
export async function serveSimulators(
  port = 0,
): Promise<{ url: string; close: () => Promise<void>; systems: ReturnType<typeof createSimulators> }> {
  const systems = createSimulators();
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: systems.app.fetch, port, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    systems,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
