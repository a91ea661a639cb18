/**
 * Correctly signed GitHub deliveries, built with web-standard APIs only, so the demo, the benchmarks and the
 * tests (in Node and inside workerd) all sign exactly as GitHub does.
 */
import { bytesToHex, signHmac } from "../workers/ingest/hmac.ts";

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

/**
 * @example
 * const d = await signGithubDelivery(secret, "issues", issueOpenedPayload("acme/api", 7));
 * await fetch(`${worker}/hooks/github`, { method: "POST", headers: d.headers, body: d.body });
 */
export async function signGithubDelivery(secret: string, event: string, payload: unknown, deliveryId: string = crypto.randomUUID()): Promise<SignedDelivery> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const signature = bytesToHex(await signHmac("SHA-256", secret, body));
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": `sha256=${signature}`,
      "user-agent": "GitHub-Hookshot/crossflow",
    },
  };
}

const TITLES = [
  "Crash when exporting invoices to CSV",
  "How do I rotate the API key?",
  "Feature request: add support for SEPA mandates",
  "Security: XSS in the customer notes field",
  "Onboarding form loses the VAT number",
];

export function issueOpenedPayload(repo: string, number: number, title = TITLES[number % TITLES.length]!) {
  return {
    action: "opened",
    issue: { number, title, body: `Reported through Crossflow's demo traffic.\n\n${title}`, user: { login: "demo-user" } },
    repository: { full_name: repo },
    sender: { login: "demo-user" },
  };
}
