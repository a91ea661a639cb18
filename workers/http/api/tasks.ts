/**
 * The tasks of many cases in one request: each case's own row (its status and the wait with the person's task), read
 * from its object in parallel inside the worker. The inbox reads its page of tasks this way instead of one full case
 * view per task (events, steps, timeline it does not show).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { CaseTasks } from "../../case-api.ts";
import { ApiError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "./auth.ts";
import { json, refusals, serve } from "./openapi.ts";

export const tasks = new OpenAPIHono<AppEnv>();

const MAX_CASES = 100;
/** `<workflow>/<key>` or `<workflow>@<n>/<key>`: the workflow names whose cases the caller may read. */
const CASE_ID = /^([a-z0-9][a-z0-9-]*)(?:@[1-9][0-9]*)?\/./;

const readTasks = createRoute({
  method: "get",
  path: "/tasks",
  summary: "What each of up to 100 cases waits for (its row with the person's task), in one request",
  request: {
    query: z.object({
      case: z.string().describe("a case id (`refund-dispute/customer:ana@example.com`), repeated, up to 100"),
    }),
  },
  responses: {
    200: json("per case, in the order asked: its row with the wait, or `found: false`", CaseTasks),
    ...refusals({ 400: "`invalid_query`" }),
  },
});

serve(tasks, readTasks, async (c) => {
  const ids = c.req.queries("case") ?? [];
  if (ids.length === 0 || ids.length > MAX_CASES)
    throw new ApiError(400, "invalid_query", `name 1 to ${MAX_CASES} cases as ?case=<case id>`);
  for (const id of ids) {
    const workflow = CASE_ID.exec(id)?.[1];
    if (!workflow) throw new ApiError(400, "invalid_query", `"${id.slice(0, 80)}" is not a case id (<workflow>/<key>)`);
    authorize(c.var.caller, "viewer", workflow);
  }
  const cases = c.var.platform.cases;
  const answers = await Promise.all(
    ids.map(async (caseId) => {
      const header = await cases.head(caseId);
      if (!header) return { caseId, found: false as const };
      const wait = header.wait;
      // Only a step that needs more than one person has earlier decisions worth naming: read them then alone.
      const decidedBy =
        wait?.kind === "human" && (wait.human?.approvals ?? 1) > 1
          ? ((await cases.view(caseId))?.decisions ?? [])
              .filter((d) => d.stepId === wait.stepId && d.at >= wait.startedAt)
              .map((d) => d.actor.id)
          : [];
      return { caseId, found: true as const, header, decidedBy };
    }),
  );
  return c.json({ tasks: answers } as CaseTasks);
});
