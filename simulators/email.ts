/** A local Resend-style email API: `POST /emails` sends (with idempotency keys), the sent mail is kept for inspection. */
import { createSimulator, objectId, type Simulator } from "./kit.ts";

export interface SentEmail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  created_at: string;
}

export function emailSimulator(apiKey = "re_crossflow_local"): Simulator & { sent: SentEmail[] } {
  const sim = createSimulator({ apiKey });
  const sent: SentEmail[] = [];
  sim.app.post("/emails", async (c) => {
    const body = (await c.req.json().catch(() => null)) as Partial<{ from: string; to: string | string[]; subject: string; text: string }> | null;
    const to = typeof body?.to === "string" ? [body.to] : body?.to;
    if (!body?.from || !to?.length || !body.subject || typeof body.text !== "string") {
      return c.json({ name: "validation_error", message: "`from`, `to`, `subject` and `text` are required", statusCode: 422 }, 422);
    }
    const email: SentEmail = { id: objectId("em"), from: body.from, to, subject: body.subject, text: body.text, created_at: new Date().toISOString() };
    sent.push(email);
    return c.json({ id: email.id });
  });
  // Everything sent, for tests and demos (a simulator control: Resend itself has no such list).
  sim.app.get("/_sim/sent", (c) => c.json({ sent }));
  sim.app.get("/emails/:id", (c) => {
    const email = sent.find((e) => e.id === c.req.param("id"));
    return email ? c.json({ object: "email", ...email }) : c.json({ name: "not_found", message: "Email not found", statusCode: 404 }, 404);
  });
  return { ...sim, sent };
}
