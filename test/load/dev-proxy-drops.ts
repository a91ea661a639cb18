/**
 * `npx tsx test/load/dev-proxy-drops.ts [idle ms,…] [shots]`: shows `wrangler dev`'s proxy dropping deliveries that
 * reuse its keep-alive connection to the worker just as the worker's server closes it (both idle out at 5 s;
 * cloudflare/workers-sdk#14641). On a fresh load stack, for each idle time, one new-case event at a time, each sent that
 * long after the last answer, through the load suite's sender (which sends a dropped delivery again at once); prints
 * the drops per idle time and checks each resend was accepted (the drop never reached the worker). 127.0.0.1 only.
 */
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { checkProxyDrops, sleep } from "./checks.ts";
import { newCases } from "./events.ts";
import { startLoadStack } from "./runtime.ts";
import { type Answer, send } from "./senders.ts";

const idles = (process.argv[2] ?? "4984,4986,4988,4990,4995,5000").split(",").map(Number);
const shots = Number(process.argv[3] ?? 5);
const secrets = {
  stripe: firstSecret(devVar("STRIPE_WEBHOOK_SECRET")),
  zendesk: firstSecret(devVar("ZENDESK_WEBHOOK_SECRET")),
};
const source = newCases(secrets, Math.random().toString(36).slice(2, 8));
const stack = await startLoadStack("wrangler");
try {
  for (const idle of idles) {
    const answers: Answer[] = [];
    for (let i = 0; i < shots; i++) {
      let left = 1;
      answers.push(
        ...(await send(stack.url, () => (left-- > 0 ? source() : null), { connections: 1, seconds: 30 })).answers,
      );
      await sleep(idle);
    }
    const drops = checkProxyDrops(answers);
    const finals = [...new Set(answers.map((a) => `${a.status} ${a.outcome}`))].join(", ");
    const resent = drops > 0 ? " (each resend accepted)" : "";
    console.log(`idle ${idle} ms: ${drops} of ${shots} dropped by the proxy${resent}; final answers: ${finals}`);
  }
} finally {
  await stack.stop();
}
