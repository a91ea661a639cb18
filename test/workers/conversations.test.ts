/**
 * A customer with two open cases in different workflows answers one of them by SMS: only that case receives it.
 * Inside workerd through the worker's own webhook door and the real case objects; the two test workflows text from
 * numbers of their own through the Twilio simulator, and the customer's answer names the number it was sent to.
 */
import { describe, expect, inject, it } from "vitest";
import { sign } from "../../scripts/senders.ts";
import { SIMULATOR_TWILIO_ACCOUNT } from "../../simulators/keys.ts";
import { inboundSmsParams, type SmsMessage } from "../../simulators/twilio.ts";
import { api, ORIGIN, secret, send, settle, viewOf } from "./helpers.ts";

const LINE_A = "+15005550101";
const LINE_B = "+15005550102";
const simulators = () => inject("simulatorsUrl");
const textsTo = async (phone: string) =>
  ((await (await fetch(`${simulators()}/twilio/_sim/messages`)).json()) as { messages: SmsMessage[] }).messages.filter(
    (m) => m.to === phone && m.direction === "outbound-api",
  );
let serial = 0;
const newPhone = () => `+4917${String(Date.now()).slice(-7)}${serial++ % 10}`;

async function open(workflow: "sms-thread-a" | "sms-thread-b", phone: string) {
  const res = await send(
    await sign.provisioning(secret("PROVISIONING_WEBHOOK_SECRET"), `open-${crypto.randomUUID()}`, {
      event: `${workflow}.opened`,
      phone,
    }),
  );
  expect(res.status).toBe(202);
  return settle(workflow, `phone:${phone}`, (v) => v.wait?.stepId === "question:reply");
}

/** The customer's SMS to one of our numbers, signed by Twilio's scheme. */
async function text(from: string, to: string, body: string) {
  const message = {
    sid: `SM${crypto.randomUUID().replaceAll("-", "")}`,
    account_sid: SIMULATOR_TWILIO_ACCOUNT,
    from,
    to,
    body,
    num_segments: "1",
  };
  return send(await sign.twilio(secret("TWILIO_AUTH_TOKEN"), inboundSmsParams(message), { origin: ORIGIN }));
}
const smsEvents = async (workflow: string, phone: string) =>
  ((await viewOf(workflow, `phone:${phone}`))?.events ?? []).filter((e) => e.source === "twilio").length;

describe("SMS replies answer the conversation they belong to", () => {
  it("texts each workflow's question from its own number, and an answer to one number reaches that case only", async () => {
    const phone = newPhone();
    await open("sms-thread-a", phone);
    await open("sms-thread-b", phone);
    expect((await textsTo(phone)).map((m) => [m.from, m.body.slice(0, 6)]).sort()).toEqual([
      [LINE_A, "Line A"],
      [LINE_B, "Line B"],
    ]);

    const res = await text(phone, LINE_B, "YES");
    expect(res.body.deliveries[0]).toMatchObject({ status: "accepted", cases: [{ workflow: "sms-thread-b" }] });
    const b = await settle("sms-thread-b", `phone:${phone}`);
    expect(b.header.outcome).toBe("answered");
    expect(await smsEvents("sms-thread-a", phone)).toBe(0);
    expect((await viewOf("sms-thread-a", `phone:${phone}`))?.wait?.stepId).toBe("question:reply");

    // With B ended, A is the customer's one open case: an answer to A's number reaches it, and nothing else.
    const toA = await text(phone, LINE_A, "yes please");
    expect(toA.body.deliveries[0]).toMatchObject({ status: "accepted", cases: [{ workflow: "sms-thread-a" }] });
    expect((await settle("sms-thread-a", `phone:${phone}`)).header.outcome).toBe("answered");
    expect(await smsEvents("sms-thread-b", phone)).toBe(1);
  });

  it("hands a text to a number neither case used to a person, listing both cases, and replays it into the one they pick", async () => {
    const phone = newPhone();
    await open("sms-thread-a", phone);
    await open("sms-thread-b", phone);
    const res = await text(phone, "+15005550006", "YES");
    expect(res.status).toBe(202);
    const delivery = res.body.deliveries[0];
    expect(delivery).toMatchObject({ status: "dead_lettered", cases: [] });
    expect([...delivery.candidates].sort()).toEqual([`sms-thread-a/phone:${phone}`, `sms-thread-b/phone:${phone}`]);
    expect((await smsEvents("sms-thread-a", phone)) + (await smsEvents("sms-thread-b", phone))).toBe(0);

    const replay = await api(`/dead-letters/${delivery.deadLetterId}/replay`, {
      method: "POST",
      body: JSON.stringify({ workflow: "sms-thread-a" }),
    });
    expect(replay.body.result).toMatchObject({ status: "accepted", cases: [{ workflow: "sms-thread-a" }] });
    expect((await settle("sms-thread-a", `phone:${phone}`)).header.outcome).toBe("answered");
    expect(await smsEvents("sms-thread-b", phone)).toBe(0);
  });
});
