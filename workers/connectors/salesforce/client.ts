/**
 * Salesforce (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/): an External Client App's
 * OAuth 2.0 client credentials flow on the org's My Domain, then the REST API's sObject resources: Leads, Accounts
 * (person accounts carry the customer's details) and Opportunities read by id, and an Opportunity's stage updated.
 * The access token is kept per isolate until Salesforce refuses it (401 `INVALID_SESSION_ID`), then fetched once
 * again: a session's lifetime is the org's setting, not something the token answer says.
 */
import { FatalError } from "../../engine/index.ts";
import { type ApiConfig, ConnectorError, callApi, configuredFetch } from "../http.ts";

/** The REST API version the connector speaks (Winter '25). */
export const SALESFORCE_API_VERSION = "v62.0";

export interface SalesforceConfig {
  /** The org's My Domain, e.g. `https://acme.my.salesforce.com`; the simulator's URL locally. */
  domainUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
}

/** A record as the REST API returns it: its fields by API name, with `Id` and the `attributes` Salesforce adds. */
export type SalesforceRecord = { Id: string; attributes?: { type: string; url: string } } & Record<string, unknown>;

/**
 * Settings from configuration: `SALESFORCE_DOMAIN_URL`, `SALESFORCE_CLIENT_ID`, `SALESFORCE_CLIENT_SECRET`. A missing
 * one is a FatalError: retrying cannot fix configuration, so the step escalates.
 * @example salesforceClient(salesforceConfig(config)).getOpportunity("006…", ["Name", "StageName"])
 */
export function salesforceConfig(config: Readonly<Record<string, unknown>>): SalesforceConfig {
  const text = (name: string) => {
    const value = config[name];
    if (typeof value !== "string" || value === "") throw new FatalError(`${name} is not set`);
    return value;
  };
  const sandboxFetch = configuredFetch(config);
  return {
    domainUrl: text("SALESFORCE_DOMAIN_URL"),
    clientId: text("SALESFORCE_CLIENT_ID"),
    clientSecret: text("SALESFORCE_CLIENT_SECRET"),
    ...(sandboxFetch ? { fetch: sandboxFetch } : {}),
  };
}

interface Session {
  accessToken: string;
  instanceUrl: string;
}

/** Sessions by org and client, shared by the steps an isolate runs (a token serves many calls). */
const sessions = new Map<string, Promise<Session>>();

async function openSession(config: SalesforceConfig): Promise<Session> {
  const answer = await callApi<{ access_token: string; instance_url: string; token_type: string }>(
    { system: "salesforce", baseUrl: config.domainUrl, apiKey: "", auth: "none", fetch: config.fetch },
    "/services/oauth2/token",
    { form: { grant_type: "client_credentials", client_id: config.clientId, client_secret: config.clientSecret } },
  );
  return { accessToken: answer.access_token, instanceUrl: answer.instance_url || config.domainUrl };
}

export function salesforceClient(config: SalesforceConfig) {
  const key = `${config.domainUrl}|${config.clientId}`;
  const session = () => {
    let s = sessions.get(key);
    if (!s) {
      s = openSession(config);
      sessions.set(key, s);
      // A failed login is not kept: the step's next attempt logs in again.
      s.catch(() => sessions.delete(key));
    }
    return s;
  };
  /** A REST call with the session's token; a refused session is opened again, once. */
  async function call<T>(path: string, options: Parameters<typeof callApi>[2] = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const current = session();
      const { accessToken, instanceUrl } = await current;
      const api: ApiConfig = { system: "salesforce", baseUrl: instanceUrl, apiKey: accessToken, fetch: config.fetch };
      try {
        return await callApi<T>(api, `/services/data/${SALESFORCE_API_VERSION}${path}`, options);
      } catch (error) {
        const status = error instanceof FatalError && error.cause instanceof ConnectorError ? error.cause.status : null;
        if (status !== 401 || attempt > 1) throw error;
        if (sessions.get(key) === current) sessions.delete(key);
      }
    }
  }
  const read = (type: string) => (id: string, fields: readonly string[]) =>
    call<SalesforceRecord>(
      `/sobjects/${type}/${encodeURIComponent(id)}?${new URLSearchParams({ fields: fields.join(",") })}`,
    );
  return {
    /** @example const lead = await salesforce.getLead("00Q…", ["FirstName", "LastName", "Email", "Status"]); */
    getLead: read("Lead"),
    /** @example const account = await salesforce.getAccount("001…", ["PersonEmail", "PersonBirthdate"]); */
    getAccount: read("Account"),
    /** @example const opportunity = await salesforce.getOpportunity("006…", ["Name", "StageName", "AccountId"]); */
    getOpportunity: read("Opportunity"),
    /**
     * Moves an Opportunity to `stage` (a PATCH of its `StageName`; Salesforce answers 204). Setting the same stage
     * again changes nothing, so a repeated step is harmless.
     * @example await salesforce.setOpportunityStage("006…", "Application Submitted");
     */
    async setOpportunityStage(id: string, stage: string): Promise<{ id: string; stage: string }> {
      await call<null>(`/sobjects/Opportunity/${encodeURIComponent(id)}`, {
        method: "PATCH",
        json: { StageName: stage },
      });
      return { id, stage };
    },
  };
}
