/** Reading a case: its view (header, wait, events, steps, decisions, timeline) and its hash-chained audit trail. */
import { type Context, Hono } from "hono";
import type { CaseAudit, CaseView } from "../../case-api.ts";
import type { AppEnv } from "../app-env.ts";
import { notFound, targetCase } from "./case-target.ts";

export const cases = new Hono<AppEnv>();

/** The hash-chained audit trail and whether it verifies; `audit.jsonl` exports one entry per line. */
async function auditOf(c: Context<AppEnv>) {
  const { workflow, caseKey } = c.req.param() as { workflow: string; caseKey: string };
  const audit = await c.var.platform.cases.audit(await targetCase(c));
  if (!audit) throw notFound(workflow, caseKey);
  return audit;
}

cases.get("/cases/:workflow/:caseKey/audit", async (c) => c.json((await auditOf(c)) satisfies CaseAudit));

cases.get("/cases/:workflow/:caseKey/audit.jsonl", async (c) => {
  const audit = await auditOf(c);
  return c.body(`${audit.entries.map((e) => JSON.stringify(e)).join("\n")}\n`, 200, {
    "content-type": "application/x-ndjson",
    "x-audit-verification": audit.verification.valid ? "valid" : `broken-at-${audit.verification.brokenAt}`,
  });
});

// Case keys contain `/`, `:` and `#`: callers URL-encode them as one path segment. `?seq=n` picks one of the key's
// cases (a returning customer's second incident is `seq=2`); without it, the latest.
cases.get("/cases/:workflow/:caseKey", async (c) => {
  const { workflow, caseKey } = c.req.param();
  const view = await c.var.platform.cases.view(await targetCase(c));
  if (!view) throw notFound(workflow, caseKey);
  return c.json(view satisfies CaseView);
});
