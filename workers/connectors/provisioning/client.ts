/**
 * A generic REST service-activation API: starts an activation (idempotent by key); the system reports completion
 * with a signed `service.activated` webhook on the `provisioning` source, which the workflow waits for.
 */
import { FatalError } from "../../engine/errors.ts";
import { callApi, type ApiConfig } from "../http.ts";

export function provisioningConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  const apiKey = config.PROVISIONING_API_KEY;
  const baseUrl = config.PROVISIONING_API_BASE_URL;
  if (typeof apiKey !== "string" || apiKey === "") throw new FatalError("PROVISIONING_API_KEY is not set");
  if (typeof baseUrl !== "string" || baseUrl === "") throw new FatalError("PROVISIONING_API_BASE_URL is not set");
  return { apiKey, baseUrl };
}

export function provisioningClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "provisioning" };
  return {
    /** @example await provisioning.activate({ customer: { email }, plan: "fiber-500", market: "EU" }, ctx); */
    activate(request: { customer: { email: string; name?: string }; plan: string; market: string }, ctx: { idempotencyKey: string }) {
      return callApi<{ id: string; status: string }>(api, "/v1/activations", { json: request, idempotencyKey: ctx.idempotencyKey });
    },
  };
}
