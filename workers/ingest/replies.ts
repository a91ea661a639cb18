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
import { caseId, conversationOf, TERMINAL_STATUSES, type CaseStatus, type Route } from "../engine/index.ts";

/** Reads a case's own row (the platform's case directory). */
export interface CaseHeads {
  head(caseId: string): Promise<{ status: CaseStatus; successor: number | null } | null>;
}

export type ReplyRouting = { routes: Route[] } | { routes: Route[]; ambiguous: { reason: string; candidates: string[] } };

/** A key's cases succeed each other; walking more than this many is a routing bug, not a customer. */
const MAX_CASES_PER_KEY = 10_000;

/** The key's latest case and whether it is open (not ended); null when the key has no case. */
async function latestOpen(cases: CaseHeads, route: Route): Promise<string | null> {
  let seq = 1;
  for (let hops = 0; hops < MAX_CASES_PER_KEY; hops++) {
    const head = await cases.head(caseId(route.workflow.id, route.caseKey, seq));
    if (!head) return null;
    if (head.successor !== null && head.successor > seq) {
      seq = head.successor;
      continue;
    }
    return TERMINAL_STATUSES.includes(head.status) ? null : caseId(route.workflow.id, route.caseKey, seq);
  }
  return null;
}

/**
 * Narrows `routes` for a customer's message to the one case it answers (see above).
 * @param only a person's choice when replaying an ambiguous message: the workflow whose case it answers.
 * @example const { routes } = await narrowReplies(routeEvent(workflows, "resend", "email.received", payload), payload, platform.cases, config);
 */
export async function narrowReplies(routes: Route[], payload: unknown, cases: CaseHeads, config: Readonly<Record<string, unknown>>, only?: string): Promise<ReplyRouting> {
  const replies = routes.filter((r) => r.trigger.reply);
  if (replies.length === 0) return { routes };
  const others = routes.filter((r) => !r.trigger.reply);
  if (only !== undefined) return { routes: [...others, ...replies.filter((r) => r.workflow.id === only)] };
  const named = replies.filter((r) => {
    const handle = r.trigger.reply!.named(payload, config);
    return handle != null && handle === r.trigger.reply!.handleOf(conversationOf(r.workflow.id, r.caseKey), config);
  });
  if (named.length === 0 && replies.length === 1) return { routes };
  const open = (await Promise.all(replies.map(async (r) => ({ route: r, id: await latestOpen(cases, r) })))).filter((o) => o.id !== null);
  const openNamed = open.filter((o) => named.includes(o.route));
  // Two workflows texting from one shared number are both named: then, as for no name, only one open case may take it.
  if (openNamed.length === 1) return { routes: [...others, openNamed[0]!.route] };
  const among = openNamed.length > 1 ? openNamed : open;
  if (among.length === 0) return { routes: [...others, ...replies] };
  // A message naming a conversation that has ended is not handed to another case: it may answer something else.
  if (among.length === 1 && named.length === 0) return { routes: [...others, among[0]!.route] };
  const ids = among.map((o) => o.id!);
  const what = named.length > 0 && openNamed.length === 0 ? `names the conversation of ${named.map((r) => r.workflow.id).join(", ")}, which has no open case,` : "names no conversation";
  return {
    routes: others,
    ambiguous: {
      candidates: ids,
      reason: `the message ${what} and the customer has ${ids.length} open case${ids.length === 1 ? "" : "s"} (${ids.join(", ")}): a person decides which it answers (replay it with {"workflow": "<id>"})`,
    },
  };
}
