/** Shared helpers for the tests that run inside workerd against the real Durable Objects. */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import type { SignedRequest } from "../../scripts/senders.ts";
import { caseId } from "../../workers/engine/index.ts";
import type { CaseView } from "../../workers/platform/cloudflare/case-object.ts";
import { caseDirectory } from "../../workers/platform/cloudflare/platform.ts";
import { activeSecrets } from "../../workers/webhooks/hmac.ts";

export const ORIGIN = "https://crossflow.test";

export async function send(request: SignedRequest): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await exports.default.fetch(`${ORIGIN}${request.path}`, {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export async function api(
  path: string,
  init: RequestInit = {},
  token = env.CROSSFLOW_API_TOKEN,
): Promise<{ status: number; body: any }> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  const res = await exports.default.fetch(`${ORIGIN}/api${path}`, { ...init, headers });
  return { status: res.status, body: await res.json() };
}

/** One of a key's cases (`seq` 1, the first, unless named). */
export const viewOf = (workflow: string, caseKey: string, seq = 1): Promise<CaseView | null> =>
  caseDirectory(env).view(caseId(workflow, caseKey, seq));

/**
 * Drives the case until `done` holds. The alarm may already be running on its own (miniflare fires it), so
 * poll the stored state instead of assuming our call is the one that ran it.
 */
export async function settle(
  workflow: string,
  caseKey: string,
  done: (v: CaseView) => boolean = (v) => ["resolved", "failed"].includes(v.header.status) && v.pendingMetrics === 0,
  seq = 1,
): Promise<CaseView> {
  const stub = env.CASES.getByName(caseId(workflow, caseKey, seq));
  let last: CaseView | null = null;
  for (let i = 0; i < 100; i++) {
    await runDurableObjectAlarm(stub);
    last = await viewOf(workflow, caseKey, seq);
    if (last && done(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`case ${workflow}/${caseKey} did not settle; last seen ${JSON.stringify(last?.header)}`);
}

/** A secret binding by name (configured sources name theirs in wrangler.toml, so they are not on `Env`). */
export const secret = (name: string): string => {
  const value = (env as unknown as Record<string, string | undefined>)[name];
  if (!value) throw new Error(`no ${name} binding in the test environment`);
  return activeSecrets(value)[0]!;
};
