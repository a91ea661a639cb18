/**
 * The Salesforce connector against the local org (simulators/salesforce.ts, its Hono app called in process): the
 * client credentials login, records read by id with the fields asked for, an Opportunity's stage moved, a session
 * the org ended opened again once, and refusals that retrying cannot fix surfacing as FatalError.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { salesforceSimulator } from "../../../simulators/salesforce.ts";
import { FatalError } from "../../engine/index.ts";
import { salesforceClient, salesforceConfig } from "./client.ts";

const CLIENT = { id: "3MVG9TestClient", secret: "sf_test_secret" };
const DOMAIN = "https://acme.my.salesforce.com";
let sim: ReturnType<typeof salesforceSimulator>;
const through = (url: string | URL | Request, init?: RequestInit) => sim.app.request(String(url), init);
const client = (secret = CLIENT.secret) =>
  salesforceClient(
    salesforceConfig({
      SALESFORCE_DOMAIN_URL: DOMAIN,
      SALESFORCE_CLIENT_ID: CLIENT.id,
      SALESFORCE_CLIENT_SECRET: secret,
      "crossflow.connectorFetch": through,
    }),
  );

/** Creates a record as an integration user would (its own session), resolving with its id. */
async function create(type: string, fields: Record<string, unknown>): Promise<string> {
  const login = await sim.app.request(`${DOMAIN}/services/oauth2/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: CLIENT.id, client_secret: CLIENT.secret }),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const res = await sim.app.request(`${DOMAIN}/services/data/v62.0/sobjects/${type}`, {
    method: "POST",
    headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
    body: JSON.stringify(fields),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe("salesforce connector", () => {
  beforeEach(() => {
    sim = salesforceSimulator(CLIENT);
  });

  it("logs in with client credentials and reads a Lead, an Account and an Opportunity with the fields asked for", async () => {
    const lead = await create("Lead", {
      FirstName: "Ada",
      LastName: "Byron",
      Email: "ada@example.com",
      Status: "Open",
    });
    const account = await create("Account", { FirstName: "Ada", LastName: "Byron", PersonBirthdate: "1990-12-10" });
    const opportunity = await create("Opportunity", {
      Name: "Fiber for Ada",
      StageName: "Prospecting",
      AccountId: account,
    });
    const sf = client();
    expect(await sf.getLead(lead, ["Email", "Status"])).toMatchObject({
      Id: lead,
      Email: "ada@example.com",
      Status: "Open",
    });
    const read = await sf.getAccount(account, ["PersonBirthdate", "PersonEmail"]);
    expect(read).toMatchObject({ Id: account, PersonBirthdate: "1990-12-10", PersonEmail: null });
    expect(read).not.toHaveProperty("FirstName");
    expect(await sf.getOpportunity(opportunity, ["StageName", "AccountId"])).toMatchObject({
      StageName: "Prospecting",
      AccountId: account,
    });
    expect(lead).toMatch(/^00Q[a-zA-Z0-9]{15}$/);
  });

  it("moves an Opportunity to another stage", async () => {
    const opportunity = await create("Opportunity", { Name: "Fiber", StageName: "Onboarding" });
    await expect(client().setOpportunityStage(opportunity, "Application Submitted")).resolves.toEqual({
      id: opportunity,
      stage: "Application Submitted",
    });
    expect(sim.records.get(opportunity)?.StageName).toBe("Application Submitted");
  });

  it("opens the session again, once, when the org has ended it", async () => {
    const account = await create("Account", { LastName: "Byron" });
    const sf = client();
    await sf.getAccount(account, ["LastName"]);
    const logins = () => sim.log.filter((r) => r.path.endsWith("/services/oauth2/token")).length;
    const before = logins();
    await sim.app.request("/_sim/expire-sessions", { method: "POST" });
    expect(await sf.getAccount(account, ["LastName"])).toMatchObject({ LastName: "Byron" });
    expect(logins()).toBe(before + 1);
  });

  it("fails for good on refused credentials and on a record that does not exist", async () => {
    const refused = client("wrong-secret").getAccount("001000000000001AAA", ["Name"]);
    await expect(refused).rejects.toBeInstanceOf(FatalError);
    await expect(refused).rejects.toThrow(/invalid_client/);
    const missing = client().getOpportunity("006000000000404AAA", ["Name"]);
    await expect(missing).rejects.toBeInstanceOf(FatalError);
    await expect(missing).rejects.toThrow(/NOT_FOUND/);
  });

  it("says which setting is missing", () => {
    expect(() => salesforceConfig({ SALESFORCE_DOMAIN_URL: DOMAIN, SALESFORCE_CLIENT_ID: "x" })).toThrow(
      "SALESFORCE_CLIENT_SECRET is not set",
    );
  });
});
