/**
 * A local Salesforce org: the OAuth 2.0 client credentials flow (`POST /services/oauth2/token`) issuing session
 * tokens, and the REST API's sObject resources for Leads, Accounts and Opportunities (create, read with `fields`,
 * PATCH answered 204), with Salesforce's error shapes (a JSON array of `{ errorCode, message }`; 401
 * `INVALID_SESSION_ID` for a token it does not know). A record-triggered Flow is simulated too: when an Opportunity
 * reaches the onboarding stage (created there or moved there), its HTTP callout reports it to the worker's
 * `/hooks/salesforce`, signed as the org's Apex action signs it (generic HMAC, `X-Signature: sha256=hex(t.body)`),
 * and delivered again on a 5xx, a 429 or a dropped connection. Where to send it and the secret are set at
 * `POST /_sim/webhooks` once the worker is up; `POST /_sim/expire-sessions` ends every session (as an org's session
 * timeout does).
 */
import { deliver, sign } from "../scripts/senders.ts";
import { createSimulator, type Simulator } from "./kit.ts";

/** The simulated org's id and the stage its Flow reports. */
export const SALESFORCE_ORG_ID = "00D5g000004CrsFEAS";
export const SALESFORCE_ONBOARDING_STAGE = "Onboarding";
const TYPES = { Lead: "00Q", Account: "001", Opportunity: "006" } as const;
type SObjectType = keyof typeof TYPES;
export type SObject = { Id: string } & Record<string, unknown>;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const errors = (errorCode: string, message: string) => [{ errorCode, message }];

export function salesforceSimulator(client: { id: string; secret: string }): Simulator & {
  records: Map<string, SObject & { attributes: { type: SObjectType } }>;
  sessions: Set<string>;
} {
  const sessions = new Set<string>();
  const sim = createSimulator({
    apiKey: client.secret,
    idempotency: false,
    // The token endpoint takes the client's credentials in its form; every other call a session's bearer token.
    authorized: (authorization, path) =>
      path.endsWith("/services/oauth2/token") ||
      (authorization?.startsWith("Bearer ") === true && sessions.has(authorization.slice(7))),
    unauthorized: (c) => c.json(errors("INVALID_SESSION_ID", "Session expired or invalid"), 401),
  });
  const records = new Map<string, SObject & { attributes: { type: SObjectType } }>();
  const webhook = { url: null as string | null, secret: null as string | null };
  // Ids from the clock, so a restarted simulator never reuses a record id a kept case already saw.
  let next = Date.now() % 1e9;
  const recordId = (type: SObjectType) => {
    let n = ++next;
    let tail = "";
    for (let i = 0; i < 12; i++, n = Math.floor(n / ALPHABET.length)) tail = ALPHABET[n % ALPHABET.length] + tail;
    return `${TYPES[type]}${tail}AAA`;
  };
  const typeOf = (name: string): SObjectType | null => (name in TYPES ? (name as SObjectType) : null);

  /** The Flow's callout for an Opportunity that reached the onboarding stage (after the answer, as a Flow runs). */
  const flowCallout = (opportunity: SObject) => {
    const { url, secret } = webhook;
    if (!url || !secret) return;
    const payload = {
      event: "opportunity.stage_changed",
      orgId: SALESFORCE_ORG_ID,
      occurredAt: new Date().toISOString(),
      opportunity: { Id: opportunity.Id, StageName: opportunity.StageName, AccountId: opportunity.AccountId ?? null },
    };
    setTimeout(() => {
      void sign
        .hmacSource("salesforce", secret, `sf-${opportunity.Id}-${Date.now()}`, payload)
        .then((request) => deliver(url, request))
        .then(async (res) => {
          if (!res.ok)
            console.error(
              `salesforce simulator: callout for ${opportunity.Id} answered ${res.status} ${await res.text()}`,
            );
        })
        .catch((error: Error) =>
          console.error(`salesforce simulator: callout for ${opportunity.Id} failed: ${error.message}`),
        );
    }, 50);
  };
  const reachedOnboarding = (before: unknown, record: SObject & { attributes: { type: SObjectType } }) =>
    record.attributes.type === "Opportunity" &&
    record.StageName === SALESFORCE_ONBOARDING_STAGE &&
    before !== SALESFORCE_ONBOARDING_STAGE;

  sim.app.post("/_sim/webhooks", async (c) => {
    Object.assign(webhook, await c.req.json());
    return c.json({ ok: true });
  });
  sim.app.post("/_sim/expire-sessions", (c) => {
    const ended = sessions.size;
    sessions.clear();
    return c.json({ ended });
  });
  sim.app.post("/services/oauth2/token", async (c) => {
    const form = new URLSearchParams(await c.req.text());
    if (form.get("grant_type") !== "client_credentials")
      return c.json({ error: "unsupported_grant_type", error_description: "grant type not supported" }, 400);
    if (form.get("client_id") !== client.id || form.get("client_secret") !== client.secret)
      return c.json({ error: "invalid_client", error_description: "invalid client credentials" }, 400);
    const token = `${SALESFORCE_ORG_ID}!${crypto.randomUUID().replaceAll("-", "")}`;
    sessions.add(token);
    const url = new URL(c.req.url);
    return c.json({
      access_token: token,
      instance_url: `${url.origin}${url.pathname.replace(/\/services\/oauth2\/token$/, "")}`,
      id: `https://login.salesforce.com/id/${SALESFORCE_ORG_ID}/005000000000001AAA`,
      token_type: "Bearer",
      issued_at: String(Date.now()),
      signature: "simulated",
    });
  });
  const base = "/services/data/:version/sobjects/:type";
  sim.app.post(base, async (c) => {
    const type = typeOf(c.req.param("type"));
    if (!type) return c.json(errors("NOT_FOUND", `The requested resource does not exist`), 404);
    const fields = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (!fields || typeof fields !== "object") return c.json(errors("JSON_PARSER_ERROR", "the body is not JSON"), 400);
    const record = { ...fields, Id: recordId(type), attributes: { type } };
    records.set(record.Id, record);
    if (reachedOnboarding(undefined, record)) flowCallout(record);
    return c.json({ id: record.Id, success: true, errors: [] }, 201);
  });
  sim.app.get(`${base}/:id`, (c) => {
    const record = records.get(c.req.param("id"));
    if (!record || record.attributes.type !== c.req.param("type"))
      return c.json(errors("NOT_FOUND", "The requested resource does not exist"), 404);
    const { attributes, ...stored } = record;
    const wanted = c.req.query("fields")?.split(",");
    const fields = wanted ? Object.fromEntries(wanted.map((k) => [k, stored[k] ?? null])) : stored;
    const url = `/services/data/${c.req.param("version")}/sobjects/${attributes.type}/${record.Id}`;
    return c.json({ attributes: { type: attributes.type, url }, ...fields, Id: record.Id });
  });
  sim.app.patch(`${base}/:id`, async (c) => {
    const record = records.get(c.req.param("id"));
    if (!record || record.attributes.type !== c.req.param("type"))
      return c.json(errors("NOT_FOUND", "The requested resource does not exist"), 404);
    const fields = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    if (!fields || typeof fields !== "object") return c.json(errors("JSON_PARSER_ERROR", "the body is not JSON"), 400);
    const before = record.StageName;
    Object.assign(record, fields, { Id: record.Id, attributes: record.attributes });
    if (reachedOnboarding(before, record)) flowCallout(record);
    return c.body(null, 204);
  });
  return { ...sim, records, sessions };
}
