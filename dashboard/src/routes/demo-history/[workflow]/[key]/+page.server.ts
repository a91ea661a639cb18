import { error } from "@sveltejs/kit";
import { requireRole } from "$lib/server/auth/guard";
import { metricsDb } from "$lib/server/db";
import { historyCase } from "$lib/server/demo-history";
import type { PageServerLoad } from "./$types";

/** A demo history case: its summary row and the trail its generated run wrote (no case object, no step journal). */
export const load: PageServerLoad = async ({ locals, params }) => {
  requireRole(locals, "viewer");
  const summary = await historyCase(metricsDb(), params.workflow, params.key);
  if (!summary)
    error(
      404,
      `There is no demo history case "${params.key}" in workflow ${params.workflow}: the demo history may have been removed.`,
    );
  return { summary };
};
