import { error, fail } from "@sveltejs/kit";
import { z } from "zod";
import { requireRole } from "$lib/server/auth/guard";
import {
  CaseApiError,
  type DeadLetter,
  getDeadLetter,
  listDeadLetters,
  replayDeadLetter,
} from "$lib/server/case-operations";
import type { Actions, PageServerLoad } from "./$types";

const Query = z.object({
  status: z.enum(["pending", "replayed", "all"]).catch("pending"),
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/)
    .optional()
    .catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
  show: z.coerce.number().int().positive().optional().catch(undefined),
});

/** Dead letters (verified events no workflow took, metric batches nothing could store), 50 a page, one opened. */
export const load: PageServerLoad = async ({ locals, url }) => {
  requireRole(locals, "operator");
  const query = Query.parse(Object.fromEntries(url.searchParams));
  try {
    const [page, shown] = await Promise.all([
      listDeadLetters({ status: query.status, source: query.source, before: query.before, limit: 50 }),
      query.show === undefined ? null : getDeadLetter(query.show),
    ]);
    return { ...page, query, shown: shown as DeadLetter | null, loadedAt: Date.now() };
  } catch (cause) {
    if (cause instanceof CaseApiError)
      error(
        cause.status === 0 || cause.status >= 500 ? 503 : cause.status,
        `Dead letters could not be read: ${cause.message}`,
      );
    throw cause;
  }
};

const ReplayForm = z.object({
  id: z.coerce.number().int().positive(),
  workflow: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, "name the workflow by its id (e.g. refund-dispute)")
    .optional(),
});

/** What a replay did, in words: the cases it reached, or how a metric batch went. */
function describe(result: Record<string, unknown>): string {
  if (result.status === "redelivered") return `Stored again in the metrics database (${String(result.events)} events).`;
  const cases = Array.isArray(result.cases) ? (result.cases as { caseId?: string; status?: string }[]) : [];
  if (cases.length > 0) return `Routed again: ${cases.map((c) => `${c.caseId} (${c.status})`).join(", ")}.`;
  return `Routed again (${String(result.status ?? "accepted")}).`;
}

export const actions: Actions = {
  replay: async ({ locals, request }) => {
    requireRole(locals, "operator");
    const form = Object.fromEntries(
      [...(await request.formData())].filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
    );
    const parsed = ReplayForm.safeParse(form);
    if (!parsed.success)
      return fail(400, {
        id: Number(form.id) || null,
        ok: false,
        message: `Not replayed: ${parsed.error.issues[0]?.message}.`,
      });
    const { id, workflow } = parsed.data;
    try {
      const answer = await replayDeadLetter(id, workflow);
      return { id, ok: true, message: describe(answer.result) };
    } catch (cause) {
      if (!(cause instanceof CaseApiError)) throw cause;
      const message =
        cause.code === "already_replayed"
          ? `Already replayed: ${cause.message}.`
          : cause.code === "still_unroutable"
            ? `Still no workflow takes it: ${cause.message}. Nothing changed; it stays pending.`
            : `Not replayed: ${cause.message}`;
      return fail(cause.status >= 400 && cause.status < 500 ? cause.status : 502, { id, ok: false, message });
    }
  },
};
