/** Builds correctly signed GitHub deliveries, for the demo, the tests and the benchmarks. */
import { createHmac, randomUUID } from "node:crypto";

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

export function signGithubDelivery(secret: string, event: string, payload: unknown, deliveryId: string = randomUUID()): SignedDelivery {
  const body = JSON.stringify(payload);
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": `sha256=${signature}`,
      "user-agent": "GitHub-Hookshot/crossflow-demo",
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
    issue: { number, title, body: `Reported through the demo.\n\n${title}`, user: { login: "demo-user" } },
    repository: { full_name: repo },
    sender: { login: "demo-user" },
  };
}

/** Reads a key from `.dev.vars` (falling back to `.dev.vars.example`), as wrangler dev does. */
export async function devVar(name: string): Promise<string | undefined> {
  const { readFileSync, existsSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { ROOT } = await import("./stack.ts");
  const file = [".dev.vars", ".dev.vars.example"].map((f) => join(ROOT, f)).find(existsSync);
  if (!file) return undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (match?.[1] === name) return match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}
