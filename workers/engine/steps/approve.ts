/**
 * `step.approve`: waits for a person's approval (a role, optionally two distinct people, never the requester), with
 * its SLA watched and, if asked, people told where they work before the case parks.
 */
import { awaitHuman, DEFAULT_ROLE, packet } from "../handoff.ts";
import { approvalVerdict, decisionsFor } from "../human.ts";
import type { Replay } from "../replay.ts";
import { slaPlan, watchSla } from "../sla.ts";
import type { ApprovalNotice, ApprovalRequest, ApprovalResult, HumanTask } from "../types/human.ts";
import type { StepApi } from "../types/workflow.ts";
import { runOnce } from "./run.ts";

export const approveStep =
  (r: Replay): StepApi["approve"] =>
  async (id: string, request: ApprovalRequest): Promise<ApprovalResult> => {
    r.claim(id);
    const timeout = r.optionalSpan(request.timeout);
    const sla = r.optionalSpan(request.sla) ?? timeout ?? r.optionalSpan(r.workflow.sla);
    const queue = request.queue ?? "approvals";
    const role = request.role ?? DEFAULT_ROLE;
    if (request.notify) {
      const notifier = request.notify;
      // Sent just before the case parks: the deadline it announces is the wait's, give or take the notice's own call.
      const slaDeadline = sla === null ? null : r.waitStart(id) + sla;
      const notice: ApprovalNotice = {
        workflowId: r.workflow.id,
        caseKey: r.caseKey,
        caseSeq: r.caseSeq,
        stepId: id,
        title: request.title,
        summary: request.summary,
        proposedAction: request.proposedAction,
        queue,
        role,
        approvals: request.approvals ?? 1,
        slaDeadline,
      };
      await runOnce(r, `${id}:notify`, "run", (ctx) => notifier.send(notice, ctx));
    }
    const records = r.slaRecords(id);
    const recorded = r.replay(id);
    if (recorded) return recorded.output as ApprovalResult;
    const startedAt = r.waitStart(id);
    const task: HumanTask = {
      kind: "approval",
      queue,
      role,
      approvals: request.approvals ?? 1,
      requestedBy: request.requestedBy ?? null,
      allowed: ["approve", "reject"],
      packet: packet(r, {
        title: request.title,
        reason: "approval required",
        summary: request.summary,
        evidence: request.evidence,
        proposedAction: request.proposedAction,
      }),
      slaDeadline: sla === null ? null : startedAt + sla,
      ...(request.autonomy ? { autonomy: request.autonomy } : {}),
    };
    const decisions = decisionsFor(r.events, id);
    const deadline = timeout === null ? null : startedAt + timeout;
    let verdict: ApprovalResult["outcome"] | null = approvalVerdict(task, decisions);
    if (!verdict) {
      // Still undecided: the SLA is settled first, so an approval that times out unanswered also counts as missed.
      const watched = await watchSla(
        r.sla,
        { id, startedAt, deadline, task },
        slaPlan(request.then, sla, (d) => r.span(d), r.notifierFor(request.slaNotify)),
        records,
      );
      if (deadline === null || r.now() < deadline)
        return awaitHuman(r, id, watched.task, deadline, undefined, watched.wakeAt);
      verdict = "timed_out";
    }
    const output: ApprovalResult = { approved: verdict === "approved", outcome: verdict, decisions };
    return r.complete({ id, kind: "approve", output, startedAt, finishedAt: r.now() });
  };
