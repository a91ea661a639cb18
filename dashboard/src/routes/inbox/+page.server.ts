import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { hasRole, requireRole } from "$lib/server/auth/guard";
import { CaseApiError } from "$lib/server/case-api";
import { metricsDb } from "$lib/server/db";
import { decideAction } from "$lib/server/decide";
import { claim, decisionKey, loadInbox, unclaim } from "$lib/server/inbox";
import type { Actions, PageServerLoad } from "./$types";

/** The filters in the URL (`?workflow=&kind=&q=&queue=&page=`); anything malformed is ignored, not an error page. */
const InboxFilters = z.object({
  workflow: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,79}$/)
    .optional()
    .catch(undefined),
  kind: z.enum(["approval", "escalation"]).optional().catch(undefined),
  q: z.string().trim().min(1).max(200).optional().catch(undefined),
  queue: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,79}$/)
    .optional()
    .catch(undefined),
  page: z.coerce.number().int().min(0).max(10_000).optional().catch(undefined),
});

export const load: PageServerLoad = async ({ locals, url }) => {
  const user = requireRole(locals, "viewer");
  const canAct = hasRole(user, "operator");
  const filters = InboxFilters.parse(Object.fromEntries(url.searchParams));
  try {
    const inbox = await loadInbox(metricsDb(), filters);
    return {
      ...inbox,
      // Only people who may decide get forms, and so the keys that make a resubmission one decision.
      items: inbox.items.map((item) => ({
        ...item,
        decisionKey: canAct ? decisionKey(user.id, item.caseId, item.stepId, item.waitingSince) : null,
      })),
      filters,
      unavailable: null,
      me: { id: user.id, username: user.username, role: user.role },
      canAct,
      loadedAt: Date.now(),
    };
  } catch (cause) {
    if (!(cause instanceof CaseApiError)) throw cause;
    return {
      items: [],
      candidates: 0,
      read: 0,
      problems: [],
      page: 0,
      pageSize: 0,
      facets: [],
      filters,
      unavailable: cause.message,
      me: { id: user.id, username: user.username, role: user.role },
      canAct,
      loadedAt: Date.now(),
    };
  }
};

const caseRef = { caseId: z.string().min(1).max(500), stepId: z.string().min(1).max(200) };

/** The form's fields, with empty inputs left out. */
function fields(form: FormData): Record<string, string> {
  return Object.fromEntries(
    [...form].filter((e): e is [string, string] => typeof e[1] === "string" && e[1].trim() !== ""),
  );
}

export const actions: Actions = {
  claim: async ({ locals, request }) => {
    const user = requireRole(locals, "operator");
    const parsed = z.object(caseRef).safeParse(fields(await request.formData()));
    if (!parsed.success)
      return fail(400, {
        action: "claim",
        caseId: null,
        error: "The claim form was incomplete; reload the inbox and try again.",
      });
    const result = await claim(metricsDb(), { ...parsed.data, userId: user.id });
    if (!result.ok)
      return fail(409, {
        action: "claim",
        caseId: parsed.data.caseId,
        error: `${result.heldBy.username} claimed this at ${new Date(result.heldBy.claimedAt).toISOString().slice(11, 16)} UTC. Claims are advisory: you can still decide it.`,
      });
    return { action: "claim", caseId: parsed.data.caseId, message: "Claimed: others see that you are working on it." };
  },

  unclaim: async ({ locals, request }) => {
    const user = requireRole(locals, "operator");
    const parsed = z.object({ caseId: caseRef.caseId }).safeParse(fields(await request.formData()));
    if (!parsed.success)
      return fail(400, {
        action: "unclaim",
        caseId: null,
        error: "The form was incomplete; reload the inbox and try again.",
      });
    const released = await unclaim(metricsDb(), {
      caseId: parsed.data.caseId,
      userId: user.id,
      anyone: user.role === "admin",
    });
    return released
      ? { action: "unclaim", caseId: parsed.data.caseId, message: "Released: anyone may pick it up." }
      : fail(409, {
          action: "unclaim",
          caseId: parsed.data.caseId,
          error: "There was no claim of yours to release (someone else holds it, or it was released).",
        });
  },

  // The same action decides from a case's own page (routes/cases/[workflow]/[key]).
  decide: decideAction,
};
