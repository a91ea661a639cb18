/**
 * payment-recovery end to end on `wrangler dev`, driven by the Stripe simulator's own signed events: a declined
 * invoice payment there opens the customer's case (`invoice.payment_failed`), the customer writes in, and paying the
 * invoice there (`invoice.paid`) recovers it.
 */
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client.ts";
import { valueFromRollups } from "../../db/kpi/index.ts";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { SIMULATOR_KEYS } from "../../simulators/keys.ts";
import { useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const stack = useStack("payment-recovery");
const stripe = async (path: string, form: Record<string, string>) => {
  const res = await fetch(`${stack().simulators.url}/stripe${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${SIMULATOR_KEYS.stripe}` },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as { id: string } };
};
const caseOf = async (email: string) =>
  (await (
    await fetch(`${stack().worker.url}/api/cases/payment-recovery/${encodeURIComponent(`customer:${email}`)}`, {
      headers: { authorization: `Bearer ${firstSecret(devVar("CROSSFLOW_API_TOKEN"))}` },
    })
  ).json()) as any;

describe("payment-recovery from the Stripe simulator's signed events", () => {
  it("opens on a declined invoice payment and recovers when the invoice is paid", async () => {
    const email = `invoice-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const customer = await stripe("/v1/customers", { email });
    const invoice = await stripe("/v1/invoices", { customer: customer.body.id, amount_due: "4900" });
    expect(
      (await stripe(`/v1/invoices/${invoice.body.id}/pay`, { payment_method: "pm_card_chargeDeclined" })).status,
    ).toBe(402);
    await eventually(
      async () => ((v) => (v.wait?.stepId === "customer-contact" ? v : undefined))(await caseOf(email)),
      30_000,
      "case opened by invoice.payment_failed",
    );
    const mail = {
      type: "email.received",
      created_at: new Date().toISOString(),
      data: { from: email, subject: "Card", text: "I updated my card." },
    };
    expect(
      (await post(stack().worker.url, await sign.standardWebhooks("resend", devVar("RESEND_WEBHOOK_SECRET")!, mail)))
        .status,
    ).toBe(202);
    expect((await stripe(`/v1/invoices/${invoice.body.id}/pay`, { payment_method: "pm_card_visa" })).status).toBe(200);
    const view = await eventually(
      async () => ((v) => (v.header?.status === "resolved" ? v : undefined))(await caseOf(email)),
      30_000,
      "recovered",
    );
    expect(view.header.outcome).toBe("recovered");
    expect(view.events.map((e: any) => `${e.source}:${e.type}`)).toEqual([
      "stripe:invoice.payment_failed",
      "resend:email.received",
      "stripe:invoice.paid",
    ]);
    // The business result: one payment recovered, of the invoice's amount, in the value rollups the page reads.
    const db = openDatabase({ url: stack().libsql.url, authToken: stack().libsql.authToken });
    const [measured] = await eventually(
      async () => {
        const v = await valueFromRollups(db, { fromDay: 0, toDay: 1_000_000, workflowId: "payment-recovery" });
        return v[0]?.succeeded === 1 ? v : undefined;
      },
      30_000,
      "recovery measured",
    );
    expect(measured).toMatchObject({ cases: 1, succeeded: 1, droppedOut: 0 });
    expect(measured!.money.map((m) => m.minor)).toEqual([4900]);
  });
});
