/**
 * Effects once without a provider key, inside workerd: a case object sends an SMS (Twilio), posts to Slack and
 * comments on a Zendesk ticket through the product's connectors against the simulators, and fails between each
 * call and its record (the step's result cannot be stored, as when the object dies there). The attempt resumes
 * under the same key; the connector finds the effect the first call made, and the simulators' request logs show
 * exactly one send each.
 */
import { describe, expect, inject, it } from "vitest";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import type { LoggedRequest } from "../../simulators/kit.ts";
import { slackClient, slackConfig } from "../../workers/connectors/slack/client.ts";
import { twilioClient, twilioConfig } from "../../workers/connectors/twilio/client.ts";
import { zendeskClient, zendeskConfig } from "../../workers/connectors/zendesk/client.ts";
import { defineWorkflow } from "../../workers/engine/index.ts";
import type { CaseView } from "../../workers/platform/cloudflare/case-object.ts";
import { caseHandle } from "./case-handle.ts";
import { deployment } from "./entry.ts";

interface Notify {
  phone: string;
  channel: string;
  ticket: string;
}

/**
 * How each step's first run goes wrong, by `<case key>/<step>`: `after-call` makes the call, then returns what
 * storage cannot record (so the step's record fails and its attempt stays open, as in a crash right after the call);
 * `before-call` fails the same way without calling (a crash before the request left).
 */
const sabotage = new Map<string, "after-call" | "before-call">();

async function once<T>(caseKey: string, stepId: string, call: () => Promise<T>): Promise<T> {
  const mode = sabotage.get(`${caseKey}/${stepId}`);
  sabotage.delete(`${caseKey}/${stepId}`);
  if (mode === "before-call") return { size: 1n } as unknown as T;
  const result = await call();
  return mode === "after-call" ? ({ ...result, size: 1n } as unknown as T) : result;
}

const notifyCustomer = defineWorkflow<Notify>(
  { id: "effects-once", version: 1, minutesPerCase: 1, triggers: [] },
  async ({ input, caseKey, step, config }) => {
    const sms = await step.run("text", (ctx) =>
      once(caseKey, "text", () =>
        twilioClient(twilioConfig(config)).sendSms({ to: input.phone, body: "Your refund is on its way." }, ctx),
      ),
    );
    const post = await step.run("post", (ctx) =>
      once(caseKey, "post", () =>
        slackClient(slackConfig(config)).postMessage(
          { channel: input.channel, text: `Refund sent to ${input.phone}` },
          ctx,
        ),
      ),
    );
    const reply = await step.run("comment", (ctx) =>
      once(caseKey, "comment", () =>
        zendeskClient(zendeskConfig(config)).reply(
          input.ticket,
          "We refunded the duplicate charge.",
          { status: "solved" },
          ctx,
        ),
      ),
    );
    return step.resolve("notified", { sms: sms.sid, post: post.ts, audit: reply.audit?.id ?? null });
  },
);
if (!deployment.includes(notifyCustomer)) deployment.push(notifyCustomer);

const simulator = async <T>(path: string, key?: string): Promise<T> =>
  (
    await fetch(`${inject("simulatorsUrl")}${path}`, key ? { headers: { authorization: key } } : {})
  ).json() as Promise<T>;
const requests = async (system: string) =>
  (await simulator<{ requests: LoggedRequest[] }>(`/${system}/_sim/requests`)).requests;
const sends = async (system: string, method: string, path: RegExp, key: string) =>
  (await requests(system)).filter((r) => r.method === method && path.test(r.path) && r.idempotencyKey === key);

let serial = 0;
function newCase() {
  const c = caseHandle(notifyCustomer);
  const n = `${Date.now() % 1e7}${serial++}`;
  const input: Notify = {
    phone: `+4915${n.padStart(9, "0").slice(-9)}`,
    channel: `#refunds-${n}`,
    ticket: String(70_000_000 + Number(n.slice(-7))),
  };
  return { ...c, input };
}

async function effectsOf(c: ReturnType<typeof newCase>, view: CaseView) {
  const key = (step: string) => view.attempts.find((a) => a.stepId === step)!.idempotencyKey;
  const texts = (
    await simulator<{ messages: { sid: string; to: string; direction: string }[] }>("/twilio/_sim/messages")
  ).messages.filter((m) => m.to === c.input.phone && m.direction === "outbound-api");
  const posts = (
    await simulator<{
      messages: { ts: string; channel: string; metadata?: { event_payload: { idempotency_key?: string } } }[];
    }>("/slack/_sim/messages")
  ).messages.filter((m) => m.metadata?.event_payload.idempotency_key === key("post"));
  const comments = (
    await simulator<{ comments: { body: string }[] }>(
      `/zendesk/api/v2/tickets/${c.input.ticket}/comments.json`,
      `Bearer ${SIMULATOR_KEYS.zendesk}`,
    )
  ).comments;
  return {
    texts,
    posts,
    comments,
    requests: {
      text: await sends("twilio", "POST", /\/Messages\.json$/, key("text")),
      post: await sends("slack", "POST", /\/chat\.postMessage$/, key("post")),
      comment: await sends("zendesk", "PUT", /\/tickets\/\d+\.json$/, key("comment")),
    },
  };
}

describe("effects once without a provider key (Twilio, Slack, Zendesk)", () => {
  it("sends each effect once when the case fails between the call and its record: the resumed attempt finds it", async () => {
    const c = newCase();
    for (const step of ["text", "post", "comment"]) sabotage.set(`${c.caseKey}/${step}`, "after-call");
    await c.open(c.input);
    const view = await c.settle((v) => v.header.status === "resolved", "resolved after three failed records");

    expect(view.attempts.map((a) => [a.stepId, a.attempt, a.outcome])).toEqual([
      ["text", 1, "succeeded"],
      ["post", 1, "succeeded"],
      ["comment", 1, "succeeded"],
    ]);
    expect(view.timeline.filter((e) => e.action === "step.attempt_resumed").map((e) => e.stepId)).toEqual([
      "text",
      "post",
      "comment",
    ]);
    const effects = await effectsOf(c, view);
    expect(effects.requests.text).toHaveLength(1);
    expect(effects.requests.post).toHaveLength(1);
    expect(effects.requests.comment).toHaveLength(1);
    expect(effects.texts).toHaveLength(1);
    expect(effects.posts).toHaveLength(1);
    expect(effects.comments.map((m) => m.body)).toEqual(["We refunded the duplicate charge."]);
    // The recorded results are the provider's records of the one effect, found by the lookup.
    expect(view.header.outcome).toBe("notified");
    expect(view.steps.find((s) => s.id === "text")?.output).toMatchObject({ sid: effects.texts[0]!.sid });
    expect(view.steps.find((s) => s.id === "post")?.output).toMatchObject({ ts: effects.posts[0]!.ts });
    // Each lookup went to the provider before deciding (the list, the channel history, the ticket's audits).
    const looked = async (system: string, path: RegExp, query = "") =>
      (await requests(system)).some((r) => r.method === "GET" && path.test(r.path) && r.query.includes(query));
    expect(await looked("twilio", /\/Messages\.json$/, `To=${encodeURIComponent(c.input.phone)}`)).toBe(true);
    expect(
      await looked("slack", /\/conversations\.history$/, `channel=${encodeURIComponent(effects.posts[0]!.channel)}`),
    ).toBe(true);
    expect(await looked("zendesk", new RegExp(`/tickets/${c.input.ticket}/audits\\.json$`))).toBe(true);
  });

  it("sends each effect when the case failed before the call left: the resumed attempt finds nothing and acts once", async () => {
    const c = newCase();
    for (const step of ["text", "post", "comment"]) sabotage.set(`${c.caseKey}/${step}`, "before-call");
    await c.open(c.input);
    const view = await c.settle((v) => v.header.status === "resolved", "resolved after three failed records");

    expect(view.timeline.filter((e) => e.action === "step.attempt_resumed")).toHaveLength(3);
    const effects = await effectsOf(c, view);
    expect([effects.requests.text.length, effects.requests.post.length, effects.requests.comment.length]).toEqual([
      1, 1, 1,
    ]);
    expect([effects.texts.length, effects.posts.length, effects.comments.length]).toEqual([1, 1, 1]);
  });
});
