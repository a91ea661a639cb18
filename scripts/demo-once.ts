/** `npm run demo:once`: sends one correctly signed GitHub `issues.opened` webhook to the local worker. */
import { devVar } from "./dev-vars.ts";
import { issueOpenedPayload, post, sign } from "./senders.ts";

const worker = process.env.WORKER_URL ?? `http://127.0.0.1:${process.env.WORKER_PORT ?? 8787}`;
const secret = process.env.GITHUB_WEBHOOK_SECRET ?? devVar("GITHUB_WEBHOOK_SECRET");
if (!secret) {
  console.error("No GITHUB_WEBHOOK_SECRET in the environment, .dev.vars or .dev.vars.example");
  process.exit(2);
}
const number = Number(process.env.ISSUE_NUMBER ?? Math.floor(Date.now() / 1000) % 100_000);
const request = await sign.github(secret, "issues", issueOpenedPayload("acme/onboarding", number));
const res = await post(worker, request).catch((error: Error) => {
  console.error(`Could not reach the worker at ${worker} (${error.message}). Is \`npm start\` running?`);
  process.exit(1);
});
console.log(`POST ${worker}${request.path} → ${res.status}`);
console.log(JSON.stringify(await res.json(), null, 2));
process.exit(res.ok ? 0 : 1);
