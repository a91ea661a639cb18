/**
 * Time scale on the real stack: with CROSSFLOW_TIME_SCALE=86400 a day passes in a second, so an onboarding
 * customer who never resends a document is reminded and then handed to a person within seconds, by the Durable
 * Object's own alarms.
 */
import { expect, it } from "vitest";
import { devVar } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const stack = useStack("time-scale", { vars: { CROSSFLOW_TIME_SCALE: "86400" } });

it("reminds at 24 h and escalates at 72 h of scaled time, a few seconds of real time", async () => {
  const email = `slow-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const application = {
    email,
    name: "Ada Byron",
    birthDate: "1990-12-10",
    country: "DE",
    plan: "fiber-500",
    paymentMethod: "pm_card_visa",
    consent: true,
    documents: [{ type: "passport", fileName: "p.heic", contentType: "image/heic", sizeBytes: 1000 }],
  };
  const res = await post(
    stack().worker.url,
    await sign.hmacSource("onboarding-form", devVar("ONBOARDING_FORM_SECRET")!, `app-${email}`, {
      event: "application.submitted",
      application,
    }),
  );
  expect(res.status).toBe(202);
  const started = Date.now();
  const view = await eventually(
    async () => {
      const v = (await (
        await fetch(`${stack().worker.url}/api/cases/customer-onboarding/${encodeURIComponent(`customer:${email}`)}`, {
          headers: { authorization: `Bearer ${devVar("CROSSFLOW_API_TOKEN")}` },
        })
      ).json()) as any;
      return v.header?.status === "escalated" ? v : undefined;
    },
    30_000,
    "escalated",
  );
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(view.steps.map((s: any) => s.id)).toContain("document-0-again:reminder");
  expect(view.wait.human.packet.reason).toBe("no new passport within 72 h");
});

it("lets nobody's 8 h SLA pass unnoticed: the object's alarm moves the task to onboarding-leads and emails the leads once per queue", async () => {
  const email = `sla-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const application = {
    email,
    name: "Ada Byron",
    birthDate: "1990-12-10",
    country: "DE",
    plan: "fiber-500",
    paymentMethod: "pm_card_visa",
    consent: true,
    documents: [{ type: "passport", fileName: "p.heic", contentType: "image/heic", sizeBytes: 1000 }],
  };
  expect(
    (
      await post(
        stack().worker.url,
        await sign.hmacSource("onboarding-form", devVar("ONBOARDING_FORM_SECRET")!, `app-${email}`, {
          event: "application.submitted",
          application,
        }),
      )
    ).status,
  ).toBe(202);
  const caseKey = `customer:${email}`;
  const read = async () =>
    (await (
      await fetch(`${stack().worker.url}/api/cases/customer-onboarding/${encodeURIComponent(caseKey)}`, {
        headers: { authorization: `Bearer ${devVar("CROSSFLOW_API_TOKEN")}` },
      })
    ).json()) as any;
  // 72 h for the document, then 8 h in onboarding and 8 h more in onboarding-leads: about 1 s of real time.
  const view = await eventually(
    async () => {
      const v = await read();
      return v.timeline?.filter((e: any) => e.action === "sla.notified").length === 2 ? v : undefined;
    },
    30_000,
    "both breaches notified",
  );
  const breaches = view.timeline
    .filter((e: any) => e.action === "sla.breached")
    .map((e: any) => [e.detail.queue, e.detail.movedTo]);
  expect(breaches).toEqual([
    ["onboarding", "onboarding-leads"],
    ["onboarding-leads", null],
  ]);
  expect(view.header.status).toBe("escalated");
  expect(view.wait.human).toMatchObject({ queue: "onboarding-leads", slaBreachedAt: expect.any(Number) });
  const { sent } = (await (await fetch(`${stack().simulators.url}/resend/_sim/sent`)).json()) as {
    sent: { to: string[]; subject: string; text: string }[];
  };
  const notices = sent.filter((m) => m.text.includes(caseKey) && m.subject.startsWith("SLA missed"));
  expect(notices.map((m) => m.to)).toEqual([
    ["onboarding-leads@crossflow.local"],
    ["onboarding-leads@crossflow.local"],
  ]);
  // Nothing more happens however often the object wakes: both queues are past, the task waits, overdue.
  await new Promise((r) => setTimeout(r, 1_000));
  const later = await read();
  expect(later.timeline.filter((e: any) => e.action === "sla.breached")).toHaveLength(2);
});
