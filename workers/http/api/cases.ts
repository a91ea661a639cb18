/** Reading a case: its view (header, wait, events, steps, decisions, timeline) and its hash-chained audit trail. */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { CaseAudit, CaseView } from "../../case-api.ts";
import type { AppEnv } from "../app-env.ts";
import { notFound, targetCase } from "./case-target.ts";
import { json, refusals, serve } from "./openapi.ts";

export const cases = new OpenAPIHono<AppEnv>();

/** Case keys contain `/`, `:` and `#`: callers URL-encode them as one path segment. */
export const CasePath = z.object({
  workflow: z.string().describe("the workflow's id, e.g. refund-dispute"),
  caseKey: z.string().describe("the case key, URL-encoded as one segment, e.g. customer%3Aana%40example.com"),
});

/** `?seq=n` picks one of the key's cases (a returning customer's second incident is `seq=2`); without it, the latest. */
export const CaseQuery = z.object({
  seq: z
    .string()
    .optional()
    .describe(
      "which of the key's cases: a positive integer, 1 the first (400 invalid_seq otherwise); default the newest",
    ),
});

const caseRefusals = refusals({ 400: "`invalid_seq`", 404: "`case_not_found`" });

/** The hash-chained audit trail and whether it verifies; `audit.jsonl` exports one entry per line. */
async function auditOf(c: Context<AppEnv>) {
  const { workflow, caseKey } = c.req.param() as { workflow: string; caseKey: string };
  const audit = await c.var.platform.cases.audit(await targetCase(c));
  if (!audit) throw notFound(workflow, caseKey);
  return audit;
}

const readAudit = createRoute({
  method: "get",
  path: "/cases/{workflow}/{caseKey}/audit",
  summary: "The case's hash-chained audit trail and whether it verifies",
  request: { params: CasePath, query: CaseQuery },
  responses: { 200: json("the entries and the chain's verdict", CaseAudit), ...caseRefusals },
});
serve(cases, readAudit, async (c) => c.json((await auditOf(c)) satisfies CaseAudit));

const exportAudit = createRoute({
  method: "get",
  path: "/cases/{workflow}/{caseKey}/audit.jsonl",
  summary: "The same audit entries as JSON lines",
  request: { params: CasePath, query: CaseQuery },
  responses: {
    200: {
      description: "one entry per line; `X-Audit-Verification: valid` or `broken-at-<seq>`",
      headers: { "x-audit-verification": { schema: { type: "string" } } },
      content: { "application/x-ndjson": { schema: { type: "string" } } },
    },
    ...caseRefusals,
  },
});
serve(cases, exportAudit, async (c) => {
  const audit = await auditOf(c);
  return c.body(`${audit.entries.map((e) => JSON.stringify(e)).join("\n")}\n`, 200, {
    "content-type": "application/x-ndjson",
    "x-audit-verification": audit.verification.valid ? "valid" : `broken-at-${audit.verification.brokenAt}`,
  });
});

const readCase = createRoute({
  method: "get",
  path: "/cases/{workflow}/{caseKey}",
  summary: "The key's newest case, or its n-th",
  request: { params: CasePath, query: CaseQuery },
  responses: { 200: json("the case as its object sees it now", CaseView), ...caseRefusals },
});
serve(cases, readCase, async (c) => {
  const { workflow, caseKey } = c.req.param();
  const view = await c.var.platform.cases.view(await targetCase(c));
  if (!view) throw notFound(workflow, caseKey);
  return c.json(view satisfies CaseView);
});
