/** Case counts per workflow, straight from the `cases` summary table the case objects keep current. */
import { sql } from "drizzle-orm";
import { cases } from "../../../../db/schema.ts";
import type { MetricsDatabase } from "../../../../db/client.ts";

export interface WorkflowCounts {
  workflowId: string;
  opened: number;
  inFlight: number;
  resolved: number;
  escalated: number;
  failed: number;
  lastActivityAt: number;
}

export async function workflowCounts(db: MetricsDatabase): Promise<WorkflowCounts[]> {
  const rows = await db
    .select({
      workflowId: cases.workflowId,
      opened: sql<number>`count(*)`,
      resolved: sql<number>`sum(${cases.status} = 'resolved')`,
      escalated: sql<number>`sum(${cases.status} = 'escalated')`,
      failed: sql<number>`sum(${cases.status} = 'failed')`,
      lastActivityAt: sql<number>`max(${cases.updatedAt})`,
    })
    .from(cases)
    .groupBy(cases.workflowId)
    .orderBy(cases.workflowId);
  return rows.map((r) => {
    const opened = Number(r.opened);
    const resolved = Number(r.resolved);
    const escalated = Number(r.escalated);
    const failed = Number(r.failed);
    return { workflowId: r.workflowId, opened, resolved, escalated, failed, inFlight: opened - resolved - escalated - failed, lastActivityAt: Number(r.lastActivityAt) };
  });
}
