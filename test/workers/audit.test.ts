/** The audit trail of a real case, inside workerd: what it records, its verification, and tampering caught. */
import { env, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { issueOpenedPayload, sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { caseId } from "../../workers/engine/index.ts";
import { api, ORIGIN, secret, send, settle } from "./helpers.ts";

describe("audit trail", () => {
  it("records every event and transition in a verifying hash chain, exported as JSON lines", async () => {
    await send(
      await sign.github(
        secret("GITHUB_WEBHOOK_SECRET"),
        "issues",
        issueOpenedPayload("audit/repo", 1, "Crash in export"),
      ),
    );
    await settle("github-issue-triage", "github:audit/repo#1");
    const path = `/cases/github-issue-triage/${encodeURIComponent("github:audit/repo#1")}/audit`;
    const { status, body } = await api(path);
    expect(status).toBe(200);
    expect(body.entries.map((e: { action: string }) => e.action)).toEqual([
      "event.received",
      "case.opened",
      "step.completed",
      "step.completed",
      "case.resolved",
    ]);
    expect(body.entries[0].actor).toEqual({ kind: "sender", id: "github" });
    expect(body.entries[2]).toMatchObject({
      actor: { kind: "rule", id: "github-issue-triage@v1" },
      stepId: "classify",
    });
    expect(body.verification).toMatchObject({ valid: true, entries: 5 });

    const jsonl = await exports.default.fetch(`${ORIGIN}/api${path}.jsonl`, {
      headers: { authorization: `Bearer ${env.CROSSFLOW_API_TOKEN}` },
    });
    expect(jsonl.headers.get("content-type")).toBe("application/x-ndjson");
    expect(jsonl.headers.get("x-audit-verification")).toBe("valid");
    const lines = (await jsonl.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.hash)).toEqual(body.entries.map((e: { hash: string }) => e.hash));
  });

  it("fails verification at the entry that was changed in storage", async () => {
    const email = "audit-tamper@example.com";
    await send(
      await sign.stripe(secret("STRIPE_WEBHOOK_SECRET"), stripeInvoiceEvent("invoice.payment_failed", email, "in_T1")),
    );
    await settle("payment-recovery", `customer:${email}`, (v) => v.header.status === "waiting");
    const id = caseId("payment-recovery", `customer:${email}`);
    await runInDurableObject(env.CASES.getByName(id), (_instance, state) => {
      const row = state.storage.sql.exec<{ entry: string }>("SELECT entry FROM audit WHERE seq = 3").one();
      const entry = JSON.parse(row.entry);
      entry.detail = { ...entry.detail, durationMs: 0, note: "edited after the fact" };
      state.storage.sql.exec("UPDATE audit SET entry = ? WHERE seq = 3", JSON.stringify(entry));
    });
    const { body } = await api(`/cases/payment-recovery/${encodeURIComponent(`customer:${email}`)}/audit`);
    expect(body.verification).toMatchObject({ valid: false, brokenAt: 3, reason: "entry 3 does not match its hash" });
  });
});
