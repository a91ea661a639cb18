/**
 * `npm run new:workflow <id>`: a new workflow that runs and is tested as written, for its author to make their own.
 * Writes `workers/workflows/<id>.ts` (a Stripe failed invoice opens a case per customer, the customer is asked by
 * email with a 48 h timeout, the case resolves with the answer or without one), registers it in
 * `workers/workflows/index.ts` (the versions the worker runs) and its header in `workers/workflows/catalogue.ts` (what
 * the dashboard and the scripts read), and writes its tests:
 * routing (`<id>.test.ts`), the ask's timeout on the test clock (`<id>.timeout.test.ts`) and an end-to-end test on
 * `wrangler dev` (`test/e2e/<id>.test.ts`). `--dir <checkout>` writes into another checkout (the generator's own test).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** kebab-case: lower-case words of letters and digits joined by single hyphens, starting with a letter. */
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface GeneratedWorkflow {
  /** Paths of the files written, relative to the checkout. */
  files: string[];
}

const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const title = (id: string) => id.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase());

/**
 * Writes workflow `id` and its tests into the checkout at `root` and registers it; refuses an id that is not
 * kebab-case or that names an existing workflow, test or registration (nothing is written then).
 * @example newWorkflow("subscription-save", ROOT) // → { files: ["workers/workflows/subscription-save.ts", …] }
 */
export function newWorkflow(id: string, root: string): GeneratedWorkflow {
  if (!KEBAB.test(id)) throw new Error(`"${id}" is not a kebab-case id (e.g. subscription-save)`);
  const name = camel(id);
  const registry = join(root, "workers/workflows/index.ts");
  const index = readFileSync(registry, "utf8");
  const files: Record<string, string> = {
    [`workers/workflows/${id}.ts`]: workflowFile(id),
    [`workers/workflows/${id}.test.ts`]: routingTest(id),
    [`workers/workflows/${id}.timeout.test.ts`]: clockTest(id),
    [`test/e2e/${id}.test.ts`]: e2eTest(id),
  };
  const taken = Object.keys(files).filter((path) => existsSync(join(root, path)));
  if (taken.length > 0) throw new Error(`workflow "${id}" exists already: ${taken.join(", ")}`);
  if (index.includes(`"./${id}.ts"`) || new RegExp(`\\b${name}\\b`).test(index))
    throw new Error(`workers/workflows/index.ts already registers "${id}"`);
  const registered = register(index, id, name);
  const headersPath = join(root, "workers/workflows/catalogue.ts");
  const catalogue = readFileSync(headersPath, "utf8");
  if (catalogue.includes(`id: "${id}"`)) throw new Error(`workers/workflows/catalogue.ts already lists "${id}"`);
  const headers = listHeader(catalogue, id);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  writeFileSync(registry, registered);
  writeFileSync(headersPath, headers);
  const written = [...Object.keys(files), "workers/workflows/index.ts", "workers/workflows/catalogue.ts"];
  format(root, written);
  return { files: written };
}

/** The registry with the workflow imported after the last import and deployed last in `WORKFLOWS`. */
function register(index: string, id: string, name: string): string {
  const lines = index.split("\n");
  const lastImport = lines.findLastIndex((l) => l.startsWith("import "));
  const list = lines.findIndex((l) => l.startsWith("export const WORKFLOWS"));
  const end = list < 0 ? -1 : lines.findIndex((l, i) => i >= list && l.trimEnd().endsWith("];"));
  if (lastImport < 0 || end < 0)
    throw new Error(
      "workers/workflows/index.ts does not have the shape the generator knows (imports, then `export const WORKFLOWS … = [ … ];`)",
    );
  if (end === list) lines[list] = lines[list]!.trimEnd().replace(/,?\s*\];$/, `, ${name}];`);
  else lines.splice(end, 0, `  ${name},`);
  lines.splice(lastImport + 1, 0, `import ${name} from "./${id}.ts";`);
  return lines.join("\n");
}

/**
 * The header catalogue with the new workflow's version 1 last (what one case costs a person by hand: the KPIs count
 * each autonomous resolution as these minutes saved).
 */
function listHeader(catalogue: string, id: string): string {
  const lines = catalogue.split("\n");
  const list = lines.findIndex((l) => l.startsWith("export const CATALOGUE"));
  const end = list < 0 ? -1 : lines.findIndex((l, i) => i > list && l.startsWith("];"));
  if (end < 0)
    throw new Error(
      "workers/workflows/catalogue.ts does not have the shape the generator knows (`export const CATALOGUE … = [ … ];`)",
    );
  lines.splice(end, 0, `  { id: "${id}", version: 1, minutesPerCase: 10, systems: ["Stripe", "email"] },`);
  return lines.join("\n");
}

/** Formats what was written the way the rest of the checkout is (`npm run format`), when Biome is installed there. */
function format(root: string, paths: readonly string[]): void {
  const biome = join(root, "node_modules", ".bin", "biome");
  if (!existsSync(biome)) return;
  execFileSync(biome, ["format", "--write", ...paths], { cwd: root, stdio: "ignore" });
}

const workflowFile = (id: string) => `/**
 * ${title(id)}: when a customer's invoice payment fails (Stripe \`invoice.payment_failed\`), ask them by email whether
 * they can update their card, and end the case with their answer, or without one after 48 h. Generated by
 * \`npm run new:workflow ${id}\` as a starting point that runs and is tested as written: make the trigger, the steps
 * and the outcomes your workflow's, with its tests (\`${id}.test.ts\`, \`${id}.timeout.test.ts\`, \`test/e2e/${id}.test.ts\`).
 */
import { emailChannel, emailReplies } from "../connectors/email/client.ts";
import { emailWebhooks } from "../connectors/email/events.ts";
import { stripeWebhooks, type stripeEvents } from "../connectors/stripe/events.ts";
import type { PayloadOf } from "../connectors/triggers.ts";
import { defineWorkflow } from "../engine/index.ts";
import { catalogued } from "./catalogue.ts";

type FailedInvoice = PayloadOf<typeof stripeEvents, "invoice.payment_failed">;

/** One case per customer, by email address: the invoice's, and the sender's of their answer. */
export const customerKey = (address: unknown) => (typeof address === "string" && address.includes("@") ? \`customer:\${address.trim().toLowerCase()}\` : null);

export default defineWorkflow<FailedInvoice>(
  {
    // Its header (minutes per case, systems, SLA) is in workers/workflows/catalogue.ts, which the dashboard reads.
    ...catalogued("${id}", 1),
    triggers: [
      // An invoice without an email gives no key, so it opens no case here.
      stripeWebhooks.on("invoice.payment_failed", { caseKey: (e) => customerKey(e.data.object.customer_email) }),
      // The customer's email joins their case (never opens one); its reply-to address names this case among their others.
      emailWebhooks.on("email.received", { caseKey: (e) => customerKey(e.data.from), opens: false, reply: emailReplies }),
    ],
  },
  async ({ input, step, config, conversation }) => {
    const invoice = await step.run("read-invoice", () => ({ id: input.data.object.id, email: input.data.object.customer_email ?? "", amountDue: input.data.object.amount_due, currency: input.data.object.currency }));
    // Sent with this case's reply-to address (its conversation), so the customer's answer comes back to this case.
    const channel = emailChannel(config, { to: invoice.email, subject: "Your payment did not go through" }, conversation);
    const amount = \`\${(invoice.amountDue / 100).toFixed(2)} \${invoice.currency.toUpperCase()}\`;
    const reply = await step.ask("ask-customer", channel, \`We could not collect \${amount}. Please reply once you have updated your card, or tell us what went wrong.\`, { timeout: "48h" });
    return step.resolve(reply ? "customer-answered" : "no-reply", { invoice: invoice.id });
  },
);
`;

/** A failed invoice typed by the trigger's schema, shared by the generated tests' text. */
const sampleInvoice = `/** A failed invoice as Stripe sends it, typed by the trigger's events schema: a misspelt field here fails \`npm run typecheck\`. */
const failedInvoice = (customerEmail: string | null): PayloadOf<typeof stripeEvents, "invoice.payment_failed"> => ({
  id: "evt_1",
  object: "event",
  type: "invoice.payment_failed",
  created: 1_767_225_600,
  data: { object: { id: "in_1", object: "invoice", customer: "cus_1", customer_email: customerEmail, amount_due: 4900, currency: "eur" } },
});`;

const routingTest = (
  id: string,
) => `/** Which case each of ${id}'s triggers routes an event to, through the engine's routing as ingest calls it. */
import { describe, expect, it } from "vitest";
import type { emailEvents } from "../connectors/email/events.ts";
import type { stripeEvents } from "../connectors/stripe/events.ts";
import type { PayloadOf } from "../connectors/triggers.ts";
import { routeEvent } from "../engine/index.ts";
import workflow from "./${id}.ts";

${sampleInvoice}

const customerEmail = (from: string): PayloadOf<typeof emailEvents, "email.received"> => ({ type: "email.received", created_at: "2026-01-01T00:00:00.000Z", data: { from, text: "I updated my card." } });

const routed = (source: string, type: string, payload: unknown) => routeEvent([workflow], source, type, payload).map((r) => ({ caseKey: r.caseKey, opens: r.trigger.opens !== false }));

describe("${id}'s triggers", () => {
  it("open the customer's case on a failed invoice, keyed by its email", () => {
    expect(routed("stripe", "invoice.payment_failed", failedInvoice("Ana@Example.com"))).toEqual([{ caseKey: "customer:ana@example.com", opens: true }]);
  });

  it("open no case for an invoice without an email", () => {
    expect(routed("stripe", "invoice.payment_failed", failedInvoice(null))).toEqual([]);
  });

  it("bring the customer's email to the same case, without opening one", () => {
    expect(routed("resend", "email.received", customerEmail("ana@example.com"))).toEqual([{ caseKey: "customer:ana@example.com", opens: false }]);
  });
});
`;

const clockTest = (id: string) => `/**
 * ${id} on the test clock: the engine driven as a case drives it (test/support/drive-engine.ts), at chosen times, with
 * the email sent through the simulator in process. \`step.ask("ask-customer", …)\` records \`ask-customer:send\` and
 * waits as \`ask-customer:reply\` (with \`remindAfter\`: \`:reminder\`, then \`:reply-after-reminder\`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveSimulators, SIMULATOR_KEYS } from "../../simulators/index.ts";
import { driveEngine, freshState, type EngineState } from "../../test/support/drive-engine.ts";
import type { stripeEvents } from "../connectors/stripe/events.ts";
import type { PayloadOf } from "../connectors/triggers.ts";
import type { CaseEvent } from "../engine/index.ts";
import workflow from "./${id}.ts";

const HOUR = 3_600_000;
const caseKey = "customer:ana@example.com";

${sampleInvoice}

const opener: CaseEvent = { seq: 1, id: "evt_1", source: "stripe", type: "invoice.payment_failed", receivedAt: 0, payload: failedInvoice("ana@example.com") };
const answer: CaseEvent = { seq: 2, id: "em_1", source: "resend", type: "email.received", receivedAt: 5 * HOUR, payload: { type: "email.received", created_at: "2026-01-01T05:00:00.000Z", data: { from: "ana@example.com", text: "Done, new card." } } };

let sims: Awaited<ReturnType<typeof serveSimulators>>;
beforeAll(async () => {
  sims = await serveSimulators();
});
afterAll(() => sims.close());

const drive = (events: CaseEvent[], at: number, state: EngineState) =>
  driveEngine(workflow, events, at, state, { caseKey, input: opener.payload, config: { RESEND_API_KEY: SIMULATOR_KEYS.resend, RESEND_API_BASE_URL: \`\${sims.url}/resend\` } });

describe("${id} on the test clock", () => {
  it("emails the customer and waits 48 h for their answer", async () => {
    const state = freshState();
    expect(await drive([opener], 0, state)).toMatchObject({ kind: "waiting", wait: { kind: "event", stepId: "ask-customer:reply", deadline: 48 * HOUR } });
    expect(state.completed.map((s) => s.id)).toEqual(["read-invoice", "ask-customer:send"]);
    expect(sims.systems.resend.sent.filter((m) => m.to.includes("ana@example.com")).at(-1)).toMatchObject({ subject: "Your payment did not go through" });
  });

  it("resolves with the customer's answer when it comes within 48 h", async () => {
    const state = freshState();
    await drive([opener], 0, state);
    expect(await drive([opener, answer], 5 * HOUR, state)).toMatchObject({ kind: "resolved", outcome: { outcome: "customer-answered" } });
    expect(state.completed.find((s) => s.id === "ask-customer:reply")?.eventSeq).toBe(2);
  });

  it("resolves as no-reply when 48 h pass without an answer", async () => {
    const state = freshState();
    await drive([opener], 0, state);
    expect(await drive([opener], 48 * HOUR - 1, state)).toMatchObject({ kind: "waiting", wait: { stepId: "ask-customer:reply" } });
    expect(await drive([opener], 48 * HOUR, state)).toMatchObject({ kind: "resolved", outcome: { outcome: "no-reply" } });
  });
});
`;

const e2eTest = (id: string) => `/**
 * ${id} end to end on \`wrangler dev\` (the stack \`npm start\` runs, in a temporary folder): a signed Stripe
 * \`invoice.payment_failed\` opens the customer's case, which emails them and waits; their answer through the email
 * simulator's inbound door resolves it.
 */
import { describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign, stripeInvoiceEvent } from "../../scripts/senders.ts";
import { useStack } from "../support/stack.ts";
import { eventually } from "../support/wait.ts";

const stack = useStack("${id}");
const caseOf = async (email: string) =>
  (await (await fetch(\`\${stack().worker.url}/api/cases/${id}/\${encodeURIComponent(\`customer:\${email}\`)}\`, { headers: { authorization: \`Bearer \${firstSecret(devVar("CROSSFLOW_API_TOKEN"))}\` } })).json()) as any;

describe("${id} on wrangler dev", () => {
  it("opens on a signed failed invoice, emails the customer and resolves with their answer", async () => {
    const email = \`${id}-\${crypto.randomUUID().slice(0, 8)}@example.com\`;
    const invoice = stripeInvoiceEvent("invoice.payment_failed", email, \`in_\${crypto.randomUUID().replaceAll("-", "").slice(0, 14)}\`);
    expect((await post(stack().worker.url, await sign.stripe(devVar("STRIPE_WEBHOOK_SECRET")!, invoice))).status).toBe(202);
    await eventually(async () => ((v) => (v.wait?.stepId === "ask-customer:reply" ? v : undefined))(await caseOf(email)), 30_000, "the case waiting for the customer's answer");
    const inbound = await fetch(\`\${stack().simulators.url}/resend/_sim/inbound\`, { method: "POST", body: JSON.stringify({ from: email, text: "I updated my card." }) });
    expect(((await inbound.json()) as { worker: { status: number } }).worker.status).toBe(202);
    const view = await eventually(async () => ((v) => (v.header?.status === "resolved" ? v : undefined))(await caseOf(email)), 30_000, "the case resolved");
    expect(view.header.outcome).toBe("customer-answered");
  });
});
`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dirAt = args.indexOf("--dir");
  const root = dirAt >= 0 ? args[dirAt + 1] : fileURLToPath(new URL("..", import.meta.url));
  const id = (dirAt >= 0 ? args.filter((_, i) => i !== dirAt && i !== dirAt + 1) : args)[0];
  if (!id || !root) {
    console.error(
      "usage: npm run new:workflow <id> [-- --dir <checkout>]   (id in kebab-case, e.g. subscription-save)",
    );
    process.exit(2);
  }
  try {
    const { files } = newWorkflow(id, root);
    console.log(
      `Workflow ${id} written and registered:\n${files.map((f) => `  ${f}`).join("\n")}\nIts tests: npx vitest run --project unit workers/workflows/${id}   end to end: npx vitest run --project e2e test/e2e/${id}.test.ts`,
    );
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
