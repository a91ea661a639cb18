/**
 * A key's cases over time: the first is `<workflow>/<key>`, and each case that ended and saw its key come back
 * names its successor (`<workflow>@n/<key>`). Reading the key's newest case walks that chain.
 */
import { type CaseStatus, caseId } from "../engine/index.ts";

/** Walking more of a key's cases than this is a routing bug, not a customer. */
export const MAX_CASES_PER_KEY = 10_000;

/** Reads a case's own row (the platform's case directory). */
/** What routing reads of a case's row; `wait`: the step it waits on (a resolved case: its satisfaction survey's reply). */
export interface CaseHead {
  status: CaseStatus;
  successor: number | null;
  wait?: { stepId: string } | null;
}

export interface CaseHeads {
  head(caseId: string): Promise<CaseHead | null>;
}

export interface LatestCase {
  id: string;
  seq: number;
  /** Its row; null when the key has no case at all. */
  head: CaseHead | null;
}

/**
 * The key's newest case. A successor that was named but never opened (the process stopped between naming it and
 * storing its first event) is no case yet, so the walk stops at the one before it.
 * @example (await latestCase(platform.cases, "refund-dispute", "customer:ana@example.com")).id // → "refund-dispute@2/customer:ana@example.com"
 */
export async function latestCase(cases: CaseHeads, workflow: string, caseKey: string): Promise<LatestCase> {
  let current: LatestCase = {
    id: caseId(workflow, caseKey),
    seq: 1,
    head: await cases.head(caseId(workflow, caseKey)),
  };
  for (let hops = 0; hops < MAX_CASES_PER_KEY; hops++) {
    const next = current.head?.successor;
    if (next == null || !(next > current.seq)) return current;
    const id = caseId(workflow, caseKey, next);
    const head = await cases.head(id);
    if (!head) return current;
    current = { id, seq: next, head };
  }
  return current;
}
