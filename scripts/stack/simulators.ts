/** The local SaaS simulators as a service, and the connector settings and webhooks that join them to Crossflow. */
import { join } from "node:path";
import { devVar, firstSecret } from "../dev-vars.ts";
import { BIN, freePort, type Service, spawnService } from "./services.ts";

/** The connectors' base URLs when the local simulators at `simulatorsUrl` stand in for the SaaS systems. */
export function connectorUrls(simulatorsUrl: string): Record<string, string> {
  return {
    STRIPE_API_BASE_URL: `${simulatorsUrl}/stripe`,
    RESEND_API_BASE_URL: `${simulatorsUrl}/resend`,
    ZENDESK_API_BASE_URL: `${simulatorsUrl}/zendesk`,
    COMPLIANCE_API_BASE_URL: `${simulatorsUrl}/compliance`,
    PROVISIONING_API_BASE_URL: `${simulatorsUrl}/provisioning`,
    HUBSPOT_API_BASE_URL: `${simulatorsUrl}/hubspot`,
    TWILIO_API_BASE_URL: `${simulatorsUrl}/twilio`,
    SLACK_API_BASE_URL: `${simulatorsUrl}/slack/api`,
    SALESFORCE_DOMAIN_URL: `${simulatorsUrl}/salesforce`,
  };
}

/** The local SaaS simulators (one process), on `port` or a free one. */
export async function startSimulators(
  options: { port?: number; quiet?: boolean; onOutput?: (chunk: string) => void } = {},
): Promise<Service> {
  const port = options.port ?? (await freePort());
  return spawnService({
    name: "simulators",
    command: join(BIN, "tsx"),
    args: ["simulators/main.ts"],
    env: { SIMULATORS_PORT: String(port) },
    url: `http://127.0.0.1:${port}`,
    readyPath: "/healthz",
    quiet: options.quiet,
    onOutput: options.onOutput,
  });
}

/**
 * Simulators that call back (provisioning's activations, Twilio's inbound SMS, Slack's button clicks, HubSpot's deal
 * stages, Stripe's invoice events, Zendesk's new tickets, customers' email replies, Salesforce's Flow callouts) send webhooks signed with the worker's secrets, as the real
 * systems do.
 */
export async function pointSimulatorsAt(simulatorsUrl: string, workerUrl: string): Promise<void> {
  for (const [system, secret] of [
    ["provisioning", "PROVISIONING_WEBHOOK_SECRET"],
    ["twilio", "TWILIO_AUTH_TOKEN"],
    ["slack", "SLACK_SIGNING_SECRET"],
    ["hubspot", "HUBSPOT_CLIENT_SECRET"],
    ["stripe", "STRIPE_WEBHOOK_SECRET"],
    ["zendesk", "ZENDESK_WEBHOOK_SECRET"],
    ["resend", "RESEND_WEBHOOK_SECRET"],
    ["salesforce", "SALESFORCE_WEBHOOK_SECRET"],
  ] as const) {
    const hooked = await fetch(`${simulatorsUrl}/${system}/_sim/webhooks`, {
      method: "POST",
      body: JSON.stringify({ url: workerUrl, secret: firstSecret(devVar(secret)) }),
    });
    if (!hooked.ok)
      throw new Error(`could not point the ${system} simulator at the worker: ${hooked.status} ${await hooked.text()}`);
  }
}
