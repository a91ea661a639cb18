import type { PageServerLoad } from "./$types";
import { metricsDb } from "$lib/server/db";
import { workflowCounts } from "$lib/server/workflow-counts";

export const load: PageServerLoad = async () => {
  return { workflows: await workflowCounts(metricsDb()), loadedAt: Date.now() };
};
