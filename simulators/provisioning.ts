/**
 * A local service-activation API (the provisioning system): `POST /v1/activations` starts an activation and, a
 * moment later, the system reports it done the way such systems do, with a correctly signed webhook
 * (`service.activated`, the generic-HMAC `provisioning` source) sent to the worker, retried like a real sender's
 * when the worker answers 5xx or 429 or the connection drops. Where to send it and the
 * signing secret are set at `POST /_sim/webhooks` once the worker is up.
 */
import { deliver, sign } from "../scripts/senders.ts";
import { createSimulator, objectId, type Simulator } from "./kit.ts";

export interface Activation {
  id: string;
  customer: { email: string; name?: string; phone?: string };
  plan: string;
  market: string;
  status: "pending" | "active";
  created: string;
}

export function provisioningSimulator(apiKey = "prv_crossflow_local"): Simulator & { activations: Activation[] } {
  const sim = createSimulator({ apiKey });
  const activations: Activation[] = [];
  const webhook = { url: null as string | null, secret: null as string | null, delayMs: 200 };

  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  sim.app.post("/v1/activations", async (c) => {
    const body = (await c.req.json().catch(() => null)) as Partial<
      Pick<Activation, "customer" | "plan" | "market">
    > | null;
    if (!body?.customer?.email || !body.plan || !body.market)
      return c.json({ error: "customer.email, plan and market are required" }, 422);
    const activation: Activation = {
      id: objectId("act"),
      customer: body.customer,
      plan: body.plan,
      market: body.market,
      status: "pending",
      created: new Date().toISOString(),
    };
    activations.push(activation);
    if (webhook.url && webhook.secret) {
      const { url, secret } = webhook;
      setTimeout(() => {
        activation.status = "active";
        const event = { event: "service.activated", activation };
        void sign
          .provisioning(secret, `evt_${activation.id}`, event)
          // Delivered as provisioning systems do: tried again on a 5xx, a 429 or a dropped connection.
          .then((request) => deliver(url, request))
          .then(async (res) => {
            if (!res.ok)
              console.error(
                `provisioning simulator: webhook for ${activation.id} answered ${res.status} ${await res.text()}`,
              );
          })
          .catch((error: Error) =>
            console.error(`provisioning simulator: webhook for ${activation.id} failed: ${error.message}`),
          );
      }, webhook.delayMs);
    }
    return c.json(activation, 202);
  });
  sim.app.get("/v1/activations/:id", (c) => {
    const activation = activations.find((a) => a.id === c.req.param("id"));
    return activation ? c.json(activation) : c.json({ error: "not found" }, 404);
  });
  return { ...sim, activations };
}
