/**
 * A generic REST service-activation API: starts an activation (idempotent by key); the system reports completion
 * with a signed `service.activated` webhook on the `provisioning` source, which the workflow waits for.
 */
import { type ApiConfig, callApi, connectorSettings } from "../http.ts";

export function provisioningConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, { key: "PROVISIONING_API_KEY", baseUrl: "PROVISIONING_API_BASE_URL" });
}

export function provisioningClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "provisioning" };
  return {
    /** @example await provisioning.activate({ customer: { email }, plan: "fiber-500", market: "EU" }, ctx); */
    activate(
      request: { customer: { email: string; name?: string; phone?: string }; plan: string; market: string },
      ctx: { idempotencyKey: string },
    ) {
      return callApi<{ id: string; status: string }>(api, "/v1/activations", {
        json: request,
        idempotencyKey: ctx.idempotencyKey,
      });
    },
  };
}
