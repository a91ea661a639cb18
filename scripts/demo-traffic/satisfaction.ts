/**
 * The demo's customers and the satisfaction question their resolved case asks: about three in four answer, by the way
 * the case talked to them (SMS or email), mostly satisfied; the others never reply, which the survey records as no
 * reply at its deadline. The choice is drawn from the case key, so a rerun of the same case answers the same.
 */
import { email, textBack } from "./people.ts";
import type { DemoCase, DemoTarget } from "./types.ts";

/** The scores the answering customers give, drawn by case: mean 4.1. */
const SCORES = [5, 4, 5, 4, 3, 5, 4, 2, 5, 4] as const;

function drawOf(caseKey: string): number {
  let h = 0;
  for (const ch of caseKey) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h;
}

/** The score this demo customer gives, or null for one who never answers. */
export function demoScore(c: Pick<DemoCase, "caseKey">): number | null {
  const draw = drawOf(c.caseKey);
  return draw % 4 === 0 ? null : SCORES[Math.floor(draw / 4) % SCORES.length]!;
}

/** Whether the case has resolved and waits for its satisfaction answer (read through the case API). */
async function surveyed(target: DemoTarget, c: DemoCase): Promise<boolean> {
  const res = await fetch(`${target.workerUrl}/api/cases/${c.workflow}/${encodeURIComponent(c.caseKey)}`, {
    headers: { authorization: `Bearer ${target.apiToken}` },
  });
  if (!res.ok) return false;
  const view = (await res.json()) as { header: { status: string }; wait: { stepId: string } | null };
  return view.header.status === "resolved" && view.wait?.stepId === "satisfaction:reply";
}

/**
 * Answers the case's satisfaction question once it is out: true when the customer answered or chose not to (nothing
 * more to do), false while the question is not out yet.
 * @example if (await answerSurvey(target, c)) rated.add(c);
 */
export async function answerSurvey(target: DemoTarget, c: DemoCase): Promise<boolean> {
  if (!(await surveyed(target, c))) return false;
  const score = demoScore(c);
  if (score === null) return true;
  if (c.phone) await textBack(target, c, String(score));
  else await email(target, c, String(score));
  return true;
}

/**
 * Plays the customers of `cases` (resolved, or about to be) answering their satisfaction question as it goes out,
 * until each has answered or chosen not to, or `withinMs` has passed. Returns the scores given.
 * @example const scores = await answerSurveys(target, resolvedCases, 15_000);
 */
export async function answerSurveys(
  target: DemoTarget,
  cases: readonly DemoCase[],
  withinMs: number,
): Promise<number[]> {
  const left = new Set(cases);
  const scores: number[] = [];
  const deadline = Date.now() + withinMs;
  while (left.size > 0 && Date.now() < deadline) {
    for (const c of [...left])
      if (await answerSurvey(target, c)) {
        left.delete(c);
        const score = demoScore(c);
        if (score !== null) scores.push(score);
      }
    if (left.size > 0) await new Promise((r) => setTimeout(r, 500));
  }
  return scores;
}
