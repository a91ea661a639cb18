/**
 * The history's customers and the satisfaction question of their resolved case: those who answer (the same three in
 * four as the live demo's, with the same scores, drawn from the case key) do so 1 to 30 hours after it was sent, by the
 * way the case talked to them; the others never do, and the question's deadline passes in the history when it is
 * past by now (recorded as no reply). An answer or a deadline after the history's end does not happen.
 */
import { demoScore } from "../demo-traffic/satisfaction.ts";
import type { HistoryCase } from "./case-driver.ts";
import type { HistoryWorld } from "./scenarios.ts";

const HOUR = 3_600_000;

/**
 * @example const c = await scenario.play(world, n, at); await answerHistorySurvey(world, c);
 */
export async function answerHistorySurvey(w: HistoryWorld, c: HistoryCase): Promise<void> {
  const head = await c.head();
  if (head?.status !== "resolved" || head.wait?.stepId !== "satisfaction:reply") return;
  const score = demoScore(c);
  const at = head.wait.startedAt + HOUR + Math.floor(w.random() * 29 * HOUR);
  if (score !== null && at < w.end) {
    const who = c.caseKey.replace(/^customer:/, "");
    await c.deliver(
      at,
      who.startsWith("+")
        ? { source: "twilio", type: "message.received", payload: { From: who, Body: String(score) } }
        : {
            source: "resend",
            type: "email.received",
            payload: {
              type: "email.received",
              created_at: new Date(at).toISOString(),
              data: { from: who, subject: "Re: How did we do?", text: String(score) },
            },
          },
    );
    return;
  }
  const deadline = head.wait.deadline;
  if (deadline !== null && deadline < w.end) await c.runUntil(deadline);
}
