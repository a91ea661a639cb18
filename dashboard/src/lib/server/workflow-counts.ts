/** Case counts per workflow, straight from the `cases` summary table the case objects keep current. */
import { sql } from "drizzle-orm";
import { cases, metricEvents } from "../../../../db/schema.ts";
import type { MetricsDatabase } from "../../../../db/client.ts";

export interface WorkflowCounts {
  workflowId: string;
  opened: number;
  inFlight: number;
  resolved: number;
  escalated: number;
  failed: number;
  lastActivityAt: number;
  /** The model the workflow's latest agent step ran on (as the case audited it), if it has agent steps. */
  agentModel: string | null;
}

/** The latest agent model per workflow, from the agent steps' `step.completed` metric events. */
async function agentModels(db: MetricsDatabase): Promise<Map<string, string>> {
  const model = sql<string>`json_extract(${metricEvents.detail}, '$.model')`;
  const rows = await db
    .select({ workflowId: metricEvents.workflowId, model, at: sql<number>`max(${metricEvents.at})` })
    .from(metricEvents)
    .where(sql`${metricEvents.kind} = 'step.completed' AND ${model} IS NOT NULL`)
    .groupBy(metricEvents.workflowId, model);
  const latest = new Map<string, { model: string; at: number }>();
  for (const r of rows) if ((latest.get(r.workflowId)?.at ?? -1) < Number(r.at)) latest.set(r.workflowId, { model: r.model, at: Number(r.at) });
  return new Map([...latest].map(([id, v]) => [id, v.model]));
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
  const models = await agentModels(db);
  return rows.map((r) => {
    const opened = Number(r.opened);
    const resolved = Number(r.resolved);
    const escalated = Number(r.escalated);
    const failed = Number(r.failed);
    return { workflowId: r.workflowId, opened, resolved, escalated, failed, inFlight: opened - resolved - escalated - failed, lastActivityAt: Number(r.lastActivityAt), agentModel: models.get(r.workflowId) ?? null };
  });
}
