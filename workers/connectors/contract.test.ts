/**
 * The connector contract, against the local simulators over HTTP: each connector sends the step's idempotency key
 * (a retried call acts once); where the provider has no such key (Twilio, Slack, Zendesk's updates) a resumed attempt
 * looks the earlier call's effect up and acts only if there is none; and failures are sorted for the engine (429 →
 * RetryAfter with the server's delay, 5xx and unreachable → retryable ConnectorError, other 4xx → FatalError).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIMULATOR_KEYS, SIMULATOR_TWILIO_ACCOUNT, serveSimulators } from "../../simulators/index.ts";
import type { Simulator } from "../../simulators/kit.ts";
import { FatalError, RetryAfter } from "../engine/index.ts";
import { complianceClient } from "./compliance/client.ts";
import { complianceTools } from "./compliance/tools.ts";
import { emailClient } from "./email/client.ts";
import {
  ConnectorError,
  connectorSettings,
  type EffectContext,
  earlierCallSince,
  KEYED_LOOKUP_MARGIN_MS,
  LOOKUP_SKEW_MS,
} from "./http.ts";
import { hubspotClient } from "./hubspot/client.ts";
import { provisioningClient } from "./provisioning/client.ts";
import { slackClient } from "./slack/client.ts";
import { slackTools } from "./slack/tools.ts";
import { stripeClient, stripeConfig } from "./stripe/client.ts";
import { stripeTools } from "./stripe/tools.ts";
import { twilioClient } from "./twilio/client.ts";
import { twilioTools } from "./twilio/tools.ts";
import { zendeskClient } from "./zendesk/client.ts";

let sims: Awaited<ReturnType<typeof serveSimulators>>;
beforeAll(async () => {
  sims = await serveSimulators();
});
afterAll(() => sims.close());

const fault = (system: string, body: Record<string, unknown>) =>
  fetch(`${sims.url}/${system}/_sim/faults`, { method: "POST", body: JSON.stringify(body) });

/** One connector under the shared contract: an effectful call, how to count its effects, and a refused key. */
interface Contract {
  /** The `system` its ConnectorErrors name. */
  system: string;
  /** The effectful call under the step's key; `resumed` makes it a resumed attempt whose step began at `firstAttemptAt`. */
  act: (key: string, timeoutMs?: number, resumed?: { firstAttemptAt: number }) => Promise<unknown>;
  effects: () => number;
  /**
   * `true`: the provider honours `Idempotency-Key`, so a repeat acts once. `false`: it has no such key (Twilio,
   * Slack, Zendesk's updates), so a repeat acts again, as the connector's docs say. `read-only`: no effect.
   */
  idempotent: boolean | "read-only";
  badKey: () => Promise<unknown>;
  /** The status behind a refused key (Slack answers 200 with `ok: false`). */
  refusedStatus?: number;
}

const at = (system: string) => `${sims.url}/${system}`;
/** The step context a connector gets: a first attempt, or one resumed after the object stopped mid-call. */
const stepCtx = (key: string, resumed?: { firstAttemptAt: number }): EffectContext =>
  resumed
    ? { idempotencyKey: key, attempt: 1, resumed: true, firstAttemptAt: resumed.firstAttemptAt }
    : { idempotencyKey: key, attempt: 1 };
const twilio = (apiKey: string = SIMULATOR_KEYS.twilio, timeoutMs?: number) =>
  twilioClient({
    baseUrl: at("twilio"),
    apiKey,
    accountSid: SIMULATOR_TWILIO_ACCOUNT,
    from: "+15005550006",
    timeoutMs,
  });
const slack = (apiKey: string = SIMULATOR_KEYS.slack, timeoutMs?: number) =>
  slackClient({ baseUrl: `${at("slack")}/api`, apiKey, timeoutMs });
const notice = {
  workflowId: "refund-dispute",
  caseKey: "customer:a@example.com",
  caseSeq: 1,
  stepId: "triage:approve:call-1",
  title: "Refund 80 EUR",
  queue: "refunds",
  role: "operator",
  approvals: 1,
  slaDeadline: null,
};

const connectors: Record<string, Contract> = {
  stripe: {
    system: "stripe",
    act: (key, timeoutMs) =>
      stripeClient({ baseUrl: at("stripe"), apiKey: SIMULATOR_KEYS.stripe, timeoutMs }).refund(
        { charge: "ch_contract", amount: 700 },
        { idempotencyKey: key },
      ),
    effects: () => sims.systems.stripe.refunds.length,
    idempotent: true,
    badKey: () =>
      stripeClient({ baseUrl: at("stripe"), apiKey: "sk_wrong" }).refund(
        { charge: "ch_contract", amount: 700 },
        { idempotencyKey: "k" },
      ),
  },
  resend: {
    system: "email",
    act: (key, timeoutMs) =>
      emailClient({ baseUrl: at("resend"), apiKey: SIMULATOR_KEYS.resend, timeoutMs }).send(
        { from: "a@crossflow.test", to: "b@example.com", subject: "Hi", text: "Hello" },
        { idempotencyKey: key },
      ),
    effects: () => sims.systems.resend.sent.length,
    idempotent: true,
    badKey: () =>
      emailClient({ baseUrl: at("resend"), apiKey: "re_wrong" }).send(
        { from: "a@x", to: "b@y", subject: "s", text: "t" },
        { idempotencyKey: "k" },
      ),
  },
  hubspot: {
    system: "hubspot",
    act: (key, timeoutMs) =>
      hubspotClient({ baseUrl: at("hubspot"), apiKey: SIMULATOR_KEYS.hubspot, timeoutMs }).addNote(
        "1001",
        "Contract note",
        1_700_000_000_000,
        { idempotencyKey: key },
      ),
    effects: () => sims.systems.hubspot.notes.length,
    idempotent: true,
    badKey: () =>
      hubspotClient({ baseUrl: at("hubspot"), apiKey: "wrong" }).addNote("1001", "x", 0, { idempotencyKey: "k" }),
  },
  provisioning: {
    system: "provisioning",
    act: (key, timeoutMs) =>
      provisioningClient({ baseUrl: at("provisioning"), apiKey: SIMULATOR_KEYS.provisioning, timeoutMs }).activate(
        { customer: { email: "c@example.com" }, plan: "fiber-500", market: "EU" },
        { idempotencyKey: key },
      ),
    effects: () => sims.systems.provisioning.activations.length,
    idempotent: true,
    badKey: () =>
      provisioningClient({ baseUrl: at("provisioning"), apiKey: "wrong" }).activate(
        { customer: { email: "c@example.com" }, plan: "p", market: "EU" },
        { idempotencyKey: "k" },
      ),
  },
  zendesk: {
    system: "zendesk",
    act: (key, timeoutMs, resumed) =>
      zendeskClient({ baseUrl: at("zendesk"), apiKey: SIMULATOR_KEYS.zendesk, timeoutMs }).reply(
        "5150",
        "Contract reply",
        {},
        stepCtx(key, resumed),
      ),
    effects: () => sims.systems.zendesk.tickets.get(5150)?.comments.length ?? 0,
    idempotent: false,
    badKey: () =>
      zendeskClient({ baseUrl: at("zendesk"), apiKey: "wrong" }).reply("5150", "x", {}, { idempotencyKey: "k" }),
  },
  compliance: {
    system: "compliance",
    act: (_key, timeoutMs) =>
      complianceClient({ baseUrl: at("compliance"), apiKey: SIMULATOR_KEYS.compliance, timeoutMs }).screen({
        name: "Ada Byron",
      }),
    effects: () => 0,
    idempotent: "read-only",
    badKey: () => complianceClient({ baseUrl: at("compliance"), apiKey: "wrong" }).screen({ name: "Ada Byron" }),
  },
  twilio: {
    system: "twilio",
    act: (key, timeoutMs, resumed) =>
      twilio(SIMULATOR_KEYS.twilio, timeoutMs).sendSms(
        { to: "+4915112345678", body: "Your documents arrived." },
        stepCtx(key, resumed),
      ),
    effects: () => sims.systems.twilio.messages.filter((m) => m.direction === "outbound-api").length,
    idempotent: false,
    badKey: () => twilio("SKwrong:secret").sendSms({ to: "+4915112345678", body: "x" }, { idempotencyKey: "k" }),
  },
  slack: {
    system: "slack",
    act: (key, timeoutMs, resumed) =>
      slack(SIMULATOR_KEYS.slack, timeoutMs).postApproval("#refunds", notice, stepCtx(key, resumed)),
    effects: () => sims.systems.slack.messages.length,
    idempotent: false,
    badKey: () => slack("xoxb-wrong").postMessage({ channel: "#refunds", text: "x" }, { idempotencyKey: "k" }),
    refusedStatus: 200,
  },
};

describe.each(Object.entries(connectors))("%s connector contract", (system, c) => {
  it.runIf(c.idempotent === true)("acts once for one idempotency key, however often the call is repeated", async () => {
    const before = c.effects();
    const key = `cf-contract-${system}-${crypto.randomUUID()}`;
    const first = await c.act(key);
    const again = await c.act(key);
    expect(again).toEqual(first);
    expect(c.effects()).toBe(before + 1);
    await c.act(`${key}-other`);
    expect(c.effects()).toBe(before + 2);
  });

  const effectRequests = (key: string) =>
    (sims.systems[system as Exclude<keyof typeof sims.systems, "app">] as Simulator).log.filter(
      (r) => r.method !== "GET" && r.idempotencyKey === key,
    );

  it.runIf(c.idempotent === false)(
    "sends the step's key, and acts again when called twice as a first attempt: the provider has no idempotency key, only a resumed attempt looks first",
    async () => {
      const before = c.effects();
      const key = `cf-contract-${system}-${crypto.randomUUID()}`;
      await c.act(key);
      await c.act(key);
      expect(c.effects()).toBe(before + 2);
      expect(effectRequests(key)).toHaveLength(2);
    },
  );

  it.runIf(c.idempotent === false)(
    "acts once when an attempt resumes after its call reached the provider: it finds the effect and answers with it",
    async () => {
      const startedAt = Date.now();
      const before = c.effects();
      const key = `cf-contract-${system}-${crypto.randomUUID()}`;
      const first = await c.act(key);
      const resumed = await c.act(key, undefined, { firstAttemptAt: startedAt });
      expect(resumed).toEqual(first);
      expect(c.effects()).toBe(before + 1);
      expect(effectRequests(key)).toHaveLength(1);
    },
  );

  it.runIf(c.idempotent === false)(
    "acts when an attempt resumes whose call never reached the provider (another step's effects do not count)",
    async () => {
      await c.act(`cf-contract-${system}-${crypto.randomUUID()}`); // an earlier step's effect, same target and text
      const before = c.effects();
      const key = `cf-contract-${system}-${crypto.randomUUID()}`;
      // Steps of a case run one after another: this one began after that effect (by more than the clock allowance).
      await c.act(key, undefined, { firstAttemptAt: Date.now() + LOOKUP_SKEW_MS + 1_000 });
      expect(c.effects()).toBe(before + 1);
      expect(effectRequests(key)).toHaveLength(1);
    },
  );

  it.runIf(c.idempotent === false)(
    "does not act when the lookup fails: the attempt is retried like a failed call",
    async () => {
      const before = c.effects();
      await fault(system, { status: 503 });
      const error = await c
        .act(`cf-contract-${system}-${crypto.randomUUID()}`, undefined, { firstAttemptAt: Date.now() })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "ConnectorError", system: c.system, status: 503, retryable: true });
      expect(c.effects()).toBe(before);
    },
  );

  it("turns a 429 into RetryAfter with the server's delay", async () => {
    await fault(system, { status: 429, retryAfter: 7 });
    const error = await c.act(crypto.randomUUID()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryAfter);
    expect((error as RetryAfter).ms).toBe(7_000);
  });

  it("treats a 5xx as retryable and a refused key as fatal", async () => {
    await fault(system, { status: 503 });
    const unavailable = await c.act(crypto.randomUUID()).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(ConnectorError);
    expect(unavailable).toMatchObject({ system: c.system, status: 503, retryable: true });
    const refused = await c.badKey().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FatalError);
    expect((refused as FatalError).cause).toMatchObject({ status: c.refusedStatus ?? 401, retryable: false });
  });

  it("waits out a slow answer", async () => {
    await fault(system, { delayMs: 300 });
    const started = Date.now();
    await c.act(crypto.randomUUID());
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it("gives up on an answer that takes longer than its timeout, as retryable", async () => {
    await fault(system, { delayMs: 600 });
    const error = await c.act(crypto.randomUUID(), 150).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "ConnectorError",
      system: c.system,
      status: null,
      retryable: true,
      message: expect.stringContaining("did not answer within 150 ms"),
    });
    await new Promise((r) => setTimeout(r, 500)); // let the simulator finish the abandoned request before the next test
  });
});

it("takes each connector's key and base URL from configuration, refusing a missing one with the name to set", () => {
  expect(
    connectorSettings({ X_KEY: "k" }, { key: "X_KEY", baseUrl: "X_URL", defaultBaseUrl: "https://x.example" }),
  ).toEqual({ apiKey: "k", baseUrl: "https://x.example" });
  expect(
    connectorSettings(
      { X_KEY: "k", X_URL: "http://sim" },
      { key: "X_KEY", baseUrl: "X_URL", defaultBaseUrl: "https://x.example" },
    ),
  ).toEqual({ apiKey: "k", baseUrl: "http://sim" });
  expect(() => connectorSettings({}, { key: "X_KEY", baseUrl: "X_URL" })).toThrow(new FatalError("X_KEY is not set"));
  expect(() =>
    connectorSettings({ X_KEY: "k" }, { key: "X_KEY", baseUrl: "X_URL", hint: "https://<subdomain>.x.com" }),
  ).toThrow("X_URL is not set (https://<subdomain>.x.com)");
});

it("takes how long connectors wait for an answer from CONNECTOR_TIMEOUT_MS, refusing anything but whole milliseconds", async () => {
  const names = { key: "X_KEY", baseUrl: "X_URL", defaultBaseUrl: "https://x.example" };
  expect(connectorSettings({ X_KEY: "k", CONNECTOR_TIMEOUT_MS: "150" }, names)).toEqual({
    apiKey: "k",
    baseUrl: "https://x.example",
    timeoutMs: 150,
  });
  for (const bad of ["0", "-5", "1.5", "30s"])
    expect(() => connectorSettings({ X_KEY: "k", CONNECTOR_TIMEOUT_MS: bad }, names)).toThrow(
      new FatalError(`CONNECTOR_TIMEOUT_MS must be a whole number of milliseconds above 0, not "${bad}"`),
    );
  // A real connector built from configuration gives up after the configured time.
  await fault("stripe", { delayMs: 600 });
  const settings = stripeConfig({
    STRIPE_API_KEY: SIMULATOR_KEYS.stripe,
    STRIPE_API_BASE_URL: at("stripe"),
    CONNECTOR_TIMEOUT_MS: "150",
  });
  const error = await stripeClient(settings)
    .getCharge("ch_1")
    .catch((e: unknown) => e);
  expect(error).toMatchObject({
    name: "ConnectorError",
    retryable: true,
    message: expect.stringContaining("did not answer within 150 ms"),
  });
  await new Promise((r) => setTimeout(r, 500)); // let the simulator finish the abandoned request before the next test
});

it("reports an unreachable system as retryable", async () => {
  const error = await stripeClient({ baseUrl: "http://127.0.0.1:9", apiKey: "k" })
    .getCharge("ch_1")
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ name: "ConnectorError", status: null, retryable: true });
});

it("replies on a Zendesk ticket, publicly, and solves it", async () => {
  const zendesk = zendeskClient({ baseUrl: `${sims.url}/zendesk`, apiKey: SIMULATOR_KEYS.zendesk });
  await zendesk.reply("4711", "We refunded the duplicate charge.", { status: "solved" }, { idempotencyKey: "cf-zd" });
  expect(sims.systems.zendesk.tickets.get(4711)).toMatchObject({
    status: "solved",
    comments: [{ body: "We refunded the duplicate charge.", public: true }],
  });
  await fault("zendesk", { status: 429, retryAfter: 2 });
  await expect(zendesk.reply("4711", "again", {}, { idempotencyKey: "cf-zd-2" })).rejects.toBeInstanceOf(RetryAfter);
});

describe("looking up an earlier effect", () => {
  it("looks only on a resumed or repeated attempt, from just before the step's first attempt began", () => {
    expect(earlierCallSince({ idempotencyKey: "k", attempt: 1 })).toBeNull();
    expect(earlierCallSince({ idempotencyKey: "k" })).toBeNull();
    expect(
      earlierCallSince({ idempotencyKey: "k", attempt: 1, resumed: true, firstAttemptAt: 1_700_000_000_900 }),
    ).toBe(1_700_000_000_000 - LOOKUP_SKEW_MS);
    expect(earlierCallSince({ idempotencyKey: "k", attempt: 2, firstAttemptAt: 1_700_000_005_000 })).toBe(
      1_700_000_005_000 - LOOKUP_SKEW_MS,
    );
    expect(earlierCallSince({ idempotencyKey: "k", attempt: 3 })).toBe(0);
    expect(
      earlierCallSince(
        { idempotencyKey: "k", attempt: 1, resumed: true, firstAttemptAt: 1_700_000_900_000 },
        KEYED_LOOKUP_MARGIN_MS,
      ),
    ).toBe(1_700_000_000_000);
  });

  it("texts a resumed reminder that repeats an earlier step's text: only a message sent since the step began is its own", async () => {
    const to = "+4915199990000";
    const body = "Please reply YES to confirm.";
    const question = await twilio().sendSms({ to, body }, stepCtx("cf-question"));
    const reminder = await twilio().sendSms(
      { to, body },
      stepCtx("cf-reminder", { firstAttemptAt: Date.now() + 10_000 }),
    );
    expect(reminder).not.toEqual(question);
    expect(sims.systems.twilio.messages.filter((m) => m.to === to && m.direction === "outbound-api")).toHaveLength(2);
  });

  it("finds its own earlier post by key among the channel's (by id or name), and an earlier reply that also solved the ticket", async () => {
    const startedAt = Date.now();
    const posted = await slack().postMessage({ channel: "#ops-lookup", text: "first" }, stepCtx("cf-by-id"));
    expect(
      await slack().postMessage(
        { channel: posted.channel, text: "first" },
        stepCtx("cf-by-id", { firstAttemptAt: startedAt }),
      ),
    ).toEqual(posted);
    expect(
      sims.systems.slack.messages.filter((m) => m.metadata?.event_payload.idempotency_key === "cf-by-id"),
    ).toHaveLength(1);
    await slack().postMessage({ channel: "#ops-lookup", text: "first" }, stepCtx("cf-other-step"));
    expect(
      await slack().postMessage(
        { channel: "#ops-lookup", text: "first" },
        stepCtx("cf-by-id", { firstAttemptAt: startedAt }),
      ),
    ).toEqual(posted);

    const zendesk = zendeskClient({ baseUrl: at("zendesk"), apiKey: SIMULATOR_KEYS.zendesk });
    const solved = await zendesk.reply("6160", "Refunded.", { status: "solved" }, stepCtx("cf-solve"));
    await zendesk.reply("6160", "A later note.", { status: "open" }, stepCtx("cf-later"));
    expect(
      await zendesk.reply(
        "6160",
        "Refunded.",
        { status: "solved" },
        stepCtx("cf-solve", { firstAttemptAt: startedAt }),
      ),
    ).toEqual(solved);
    expect(sims.systems.zendesk.tickets.get(6160)?.comments.map((c) => c.body)).toEqual(["Refunded.", "A later note."]);
  });

  it("replies once on Zendesk when the timed-out first call lands after the retry: safe updates refuse the later one", async () => {
    const startedAt = Date.now();
    const zendesk = (timeoutMs?: number) =>
      zendeskClient({ baseUrl: at("zendesk"), apiKey: SIMULATOR_KEYS.zendesk, timeoutMs });
    // The first attempt reads the ticket at once; its update reaches Zendesk only after the client gave up on it.
    await fault("zendesk", {});
    await fault("zendesk", { delayMs: 800 });
    const first = await zendesk(200)
      .reply("7170", "Refunded.", { status: "solved" }, stepCtx("cf-late"))
      .catch((e: unknown) => e);
    expect(first).toMatchObject({ name: "ConnectorError", retryable: true });
    const retried = await zendesk().reply(
      "7170",
      "Refunded.",
      { status: "solved" },
      { idempotencyKey: "cf-late", attempt: 2, firstAttemptAt: startedAt },
    );
    await new Promise((r) => setTimeout(r, 900));
    expect(sims.systems.zendesk.tickets.get(7170)?.comments.map((c) => c.body)).toEqual(["Refunded."]);
    expect(
      sims.systems.zendesk.log.filter((r) => r.idempotencyKey === "cf-late" && r.method === "PUT").map((r) => r.status),
    ).toEqual([200, 409]);
    expect(retried).toMatchObject({ ticket: { id: 7170, status: "solved" } });

    // And when the late call lands between the retry's read and its update, the retry is refused and finds it.
    await fault("zendesk", {});
    await fault("zendesk", { delayMs: 300 });
    const slow = zendesk().reply("7171", "Refunded.", {}, stepCtx("cf-between"));
    await new Promise((r) => setTimeout(r, 50));
    await fault("zendesk", {}); // the retry's audit lookup: nothing yet
    await fault("zendesk", {}); // its read of the ticket, before the late update lands
    await fault("zendesk", { delayMs: 400 }); // its update, which reaches Zendesk after the late one
    const [late, retry] = await Promise.all([
      slow,
      zendesk().reply("7171", "Refunded.", {}, { idempotencyKey: "cf-between", attempt: 2, firstAttemptAt: startedAt }),
    ]);
    expect(sims.systems.zendesk.tickets.get(7171)?.comments).toHaveLength(1);
    expect(retry).toEqual(late);
  });
});

describe("compliance connector", () => {
  const compliance = () => complianceClient({ baseUrl: `${sims.url}/compliance`, apiKey: SIMULATOR_KEYS.compliance });

  it("screens: clear, ambiguous (a shared surname) and a hit (name and birth date)", async () => {
    expect(await compliance().screen({ name: "Ada Byron", birthDate: "1990-12-10" })).toEqual({ status: "clear" });
    expect(await compliance().screen({ name: "Carlos Gomez", birthDate: "1990-01-01" })).toMatchObject({
      status: "ambiguous",
      candidates: [{ caption: "Maria Gomez", score: 0.71, match: false }],
    });
    expect(await compliance().screen({ name: "Ivan Petrov", birthDate: "1961-04-12" })).toMatchObject({
      status: "hit",
      candidates: [{ caption: "Ivan Petrov", score: 0.98, match: true }],
    });
  });

  it("checks documents by format and size, and reports a 5xx as retryable", async () => {
    expect(
      await compliance().checkDocument({
        type: "passport",
        fileName: "p.pdf",
        contentType: "application/pdf",
        sizeBytes: 1_000,
      }),
    ).toEqual({ status: "accepted", type: "passport" });
    expect(
      await compliance().checkDocument({
        type: "passport",
        fileName: "p.heic",
        contentType: "image/heic",
        sizeBytes: 1_000,
      }),
    ).toMatchObject({ status: "rejected", reason: expect.stringContaining("image/heic") });
    await fault("compliance", { status: 502 });
    await expect(compliance().screen({ name: "Ada Byron" })).rejects.toMatchObject({
      name: "ConnectorError",
      status: 502,
      retryable: true,
    });
  });
});

describe("hubspot connector", () => {
  it("upserts one contact per email however often it is called, and notes on it", async () => {
    const hubspot = hubspotClient({ baseUrl: `${sims.url}/hubspot`, apiKey: SIMULATOR_KEYS.hubspot });
    const first = await hubspot.upsertContact(
      { email: "Ana@Example.com", firstname: "Ana" },
      { idempotencyKey: "cf-crm-1" },
    );
    const again = await hubspot.upsertContact(
      { email: "ana@example.com", lifecyclestage: "customer" },
      { idempotencyKey: "cf-crm-2" },
    );
    expect(again.id).toBe(first.id);
    expect(sims.systems.hubspot.contacts.get("ana@example.com")?.properties).toMatchObject({
      firstname: "Ana",
      lifecyclestage: "customer",
    });
    await hubspot.addNote(first.id, "Onboarded", 1_700_000_000_000, { idempotencyKey: "cf-note-1" });
    await hubspot.addNote(first.id, "Onboarded", 1_700_000_000_000, { idempotencyKey: "cf-note-1" });
    expect(sims.systems.hubspot.notes.filter((n) => n.contactId === first.id)).toHaveLength(1);
    await expect(
      hubspotClient({ baseUrl: `${sims.url}/hubspot`, apiKey: "wrong" }).addNote(first.id, "x", 0, {
        idempotencyKey: "k",
      }),
    ).rejects.toBeInstanceOf(FatalError);
  });
});

describe("provisioning connector", () => {
  it("starts one activation per idempotency key, and refuses an incomplete request as fatal", async () => {
    const provisioning = provisioningClient({
      baseUrl: `${sims.url}/provisioning`,
      apiKey: SIMULATOR_KEYS.provisioning,
    });
    const before = sims.systems.provisioning.activations.length;
    const request = { customer: { email: "c@example.com" }, plan: "fiber-500", market: "EU" };
    const first = await provisioning.activate(request, { idempotencyKey: "cf-act-1" });
    expect(await provisioning.activate(request, { idempotencyKey: "cf-act-1" })).toEqual(first);
    expect(sims.systems.provisioning.activations.length).toBe(before + 1);
    await expect(
      provisioning.activate({ ...request, plan: "" }, { idempotencyKey: "cf-act-2" }),
    ).rejects.toBeInstanceOf(FatalError);
  });
});

it("reads a Stripe charge, and null for one Stripe does not have", async () => {
  const stripe = stripeClient({ baseUrl: at("stripe"), apiKey: SIMULATOR_KEYS.stripe });
  await fetch(`${sims.url}/stripe/v1/charges`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}` },
    body: new URLSearchParams({ id: "ch_read1", amount: "1234" }),
  });
  expect(await stripe.getCharge("ch_read1")).toMatchObject({ id: "ch_read1", amount: 1234, amount_refunded: 0 });
  expect(await stripe.getCharge("ch_missing")).toBeNull();
});

describe("connector tools (the agent step wraps them in AI SDK tool() with its guardrails)", () => {
  const config = () => ({
    STRIPE_API_KEY: SIMULATOR_KEYS.stripe,
    STRIPE_API_BASE_URL: at("stripe"),
    TWILIO_API_KEY: SIMULATOR_KEYS.twilio,
    TWILIO_API_BASE_URL: at("twilio"),
    TWILIO_ACCOUNT_SID: SIMULATOR_TWILIO_ACCOUNT,
    TWILIO_FROM: "+15005550006",
    SLACK_BOT_TOKEN: SIMULATOR_KEYS.slack,
    SLACK_API_BASE_URL: `${at("slack")}/api`,
    COMPLIANCE_API_KEY: SIMULATOR_KEYS.compliance,
    COMPLIANCE_API_BASE_URL: at("compliance"),
  });
  const ctx = (key: string) => ({ idempotencyKey: key, attempt: 1 });

  it("run against the simulators, their input schemas refusing what the API would", async () => {
    const { sendSms } = twilioTools(config());
    expect(sendSms.inputSchema.safeParse({ to: "0151 1234", body: "hi" }).success).toBe(false);
    const sms = (await sendSms.execute(
      { to: "+49 151 1234 5678", body: "Your service is active." },
      ctx("cf-tool-sms"),
    )) as { to: string; status: string };
    expect(sms).toMatchObject({ to: "+4915112345678", status: "queued" });
    expect(
      await slackTools(config()).postMessage.execute({ channel: "#ops", text: "hello" }, ctx("cf-tool-slack")),
    ).toMatchObject({ ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(await complianceTools(config()).screen.execute({ name: "Ada Byron" })).toEqual({ status: "clear" });
    expect(await stripeTools(config()).lookupCharge.execute({ charge: "ch_missing_tool" })).toBeNull();
  });
});
