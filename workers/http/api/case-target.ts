/** Which case an API request means (`/cases/:workflow/:caseKey[?seq=n]`), checked against the caller's role. */
import type { Context } from "hono";
import { caseId } from "../../engine/index.ts";
import { ApiError } from "../../errors.ts";
import { latestCaseId } from "../../ingest/dispatch.ts";
import type { AppEnv } from "../app-env.ts";
import { authorize } from "./auth.ts";

export const notFound = (workflow: string, caseKey: string) =>
  new ApiError(404, "case_not_found", `no case ${caseKey} in workflow ${workflow}`);

/**
 * Which of the key's cases a request means: `?seq=n` names one (1 is the first; every case stays readable), and
 * without it the key's latest case, found along the successors each ended case records (the open one, if any).
 */
export async function targetCase(c: Context<AppEnv>, role: "viewer" | "operator" = "viewer"): Promise<string> {
  const { workflow, caseKey } = c.req.param() as { workflow: string; caseKey: string };
  authorize(c.var.caller, role, workflow);
  const raw = c.req.query("seq");
  if (raw !== undefined) {
    const seq = Number(raw);
    if (!/^[1-9][0-9]{0,8}$/.test(raw) || !Number.isSafeInteger(seq))
      throw new ApiError(
        400,
        "invalid_seq",
        `seq must be a positive integer (which of the key's cases), not "${raw.slice(0, 40)}"`,
      );
    return caseId(workflow, caseKey, seq);
  }
  return latestCaseId(c.var.platform.cases, workflow, caseKey);
}
