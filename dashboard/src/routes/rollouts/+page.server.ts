import { requireRole } from "$lib/server/auth/guard";
import { CaseApiError } from "$lib/server/case-api";
import { getRollout } from "$lib/server/rollout-api";
import { CATALOGUE } from "$workers/workflows/catalogue.ts";
import type { PageServerLoad } from "./$types";

/** Every deployed workflow with its rollout at a glance; each links to its Rollouts page. */
export const load: PageServerLoad = async ({ locals }) => {
  requireRole(locals, "viewer");
  const ids = [...new Set(CATALOGUE.map((w) => w.id))].sort();
  const workflows = await Promise.all(
    ids.map(async (workflowId) => {
      try {
        const view = await getRollout(workflowId);
        const policy = view?.policy ?? null;
        return {
          workflowId,
          versions: view?.versions ?? [],
          state: policy?.state ?? null,
          candidate: policy?.candidate ?? null,
          shares: policy?.shares ?? null,
          verdict: view?.verdict ?? "none",
          error: null,
        };
      } catch (e) {
        if (!(e instanceof CaseApiError)) throw e;
        return {
          workflowId,
          versions: [],
          state: null,
          candidate: null,
          shares: null,
          verdict: "none",
          error: e.message,
        };
      }
    }),
  );
  return { workflows };
};
