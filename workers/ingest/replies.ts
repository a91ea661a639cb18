/**
 * Which case a customer's message answers. A customer may have several open cases (an onboarding and a refund),
 * and an inbound email or SMS is keyed by who sent it, so routing by sender alone would hand one "YES" to every one
 * of them, where it might answer a consent question it was never meant for. Triggers for customer messages declare
 * how a message names its conversation (`reply`: an email's reply-to token, the number an SMS was sent to):
 * - a message that names one of the customer's cases goes to that case only;
 * - one that names none goes to the customer's one open case;
 * - with several open cases it goes to none of them: a person picks the case (a dead letter listing the candidates,
 *   replayed with the chosen workflow).
 * Routes whose trigger declares no `reply` are not customer messages and are left as they are.
 */
import { conversationOf, type Route, SURVEY_REPLY, TERMINAL_STATUSES } from "../engine/index.ts";
import { type CaseHeads, type LatestCase, latestCase } from "./lineage.ts";

export type { CaseHeads } from "./lineage.ts";

export type ReplyRouting =
  | { routes: Route[] }
  | { routes: Route[]; ambiguous: { reason: string; candidates: string[] } };

/** Open, or resolved and still waiting for its satisfaction survey's answer: a message may answer it. */
const isOpen = (c: LatestCase) =>
  c.head !== null && (!TERMINAL_STATUSES.includes(c.head.status) || c.head.wait?.stepId === SURVEY_REPLY);

/**
 * Narrows `routes` for a customer's message to the one case it answers (see above).
 * @param only a person's choice when replaying an ambiguous message: the workflow whose case it answers.
 * @example const { routes } = await narrowReplies(routeEvent(workflows, "resend", "email.received", payload), payload, platform.cases, config);
 */
export async function narrowReplies(
  routes: Route[],
  payload: unknown,
  cases: CaseHeads,
  config: Readonly<Record<string, unknown>>,
  only?: string,
): Promise<ReplyRouting> {
  const replies = routes.filter((r) => r.trigger.reply);
  if (replies.length === 0) return { routes };
  const others = routes.filter((r) => !r.trigger.reply);
  if (only !== undefined) return { routes: [...others, ...replies.filter((r) => r.workflow.id === only)] };
  const handles = new Map(replies.map((r) => [r, r.trigger.reply!.named(payload, config) ?? null]));
  // One workflow's conversation and nothing named: no question of which case.
  if (replies.length === 1 && handles.get(replies[0]!) === null) return { routes };

  const latest = await Promise.all(
    replies.map(async (route) => ({ route, ...(await latestCase(cases, route.workflow.id, route.caseKey)) })),
  );
  const handleOf = (c: (typeof latest)[number], seq: number) =>
    c.route.trigger.reply!.handleOf(conversationOf(c.route.workflow.id, c.route.caseKey, seq), config);
  // What the message names: the key's newest case of a workflow (or, for a per-workflow handle such as an SMS number,
  // that workflow even where the customer has no case in it), or one of its cases that ended before the newest.
  const namesNewest = latest.filter(
    (c) => handles.get(c.route) !== null && handles.get(c.route) === handleOf(c, c.seq),
  );
  const namesEarlier = latest.filter(
    (c) =>
      handles.get(c.route) !== null &&
      !namesNewest.includes(c) &&
      Array.from({ length: c.seq - 1 }, (_, i) => i + 1).some((seq) => handles.get(c.route) === handleOf(c, seq)),
  );
  const open = latest.filter(isOpen);
  const openNamed = namesNewest.filter(isOpen);
  if (openNamed.length === 1) return { routes: [...others, openNamed[0]!.route] };

  const named = namesNewest.length + namesEarlier.length > 0;
  // Two workflows texting from one shared number are both named: then only a person can tell which.
  const among = openNamed.length > 1 ? openNamed : open;
  if (among.length === 0) return { routes: [...others, ...replies] };
  // A message that names a conversation which is not open is not handed to another case: it answers something else.
  if (among.length === 1 && !named) return { routes: [...others, among[0]!.route] };
  const ids = among.map((c) => c.id);
  const what =
    named && openNamed.length === 0
      ? `names a conversation that is not open (${[...namesNewest, ...namesEarlier].map((c) => c.route.workflow.id).join(", ")})`
      : "names no conversation";
  return {
    routes: others,
    ambiguous: {
      candidates: ids,
      reason: `the message ${what} and the customer has ${ids.length} open case${ids.length === 1 ? "" : "s"} (${ids.join(", ")}): a person decides which it answers (replay it with {"workflow": "<id>"})`,
    },
  };
}
