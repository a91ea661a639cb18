/**
 * Issue 20, done-when 3, in a real browser against the real stack (wrangler dev, the simulators, the offline model):
 * the customer opens the chat link their documents ask carried on a 390 px phone screen, asks a question the
 * knowledge base covers, and the cited answer appears live; the operator then sees the same conversation on the
 * case page. The same customer conversation on Deno (`deno task start` beside it, on the same libSQL and
 * simulators), whose case API then holds the same conversation.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devVar, firstSecret } from "../../scripts/dev-vars.ts";
import { post, sign } from "../../scripts/senders.ts";
import { freePort, type Service, startDenoServer } from "../../scripts/stack.ts";
import type { Application } from "../../workers/workflows/customer-onboarding/index.ts";
import { PASSAGES } from "../../workers/workflows/customer-onboarding/knowledge-base/index.ts";
import { ARTIFACTS, useBrowserStack } from "../support/browser-stack.ts";
import { eventually } from "../support/wait.ts";

// The link the case sends must name this worker: its port is chosen before the stack starts.
const port = await freePort();
const env = useBrowserStack("chat", { workerPort: port, vars: { CROSSFLOW_PUBLIC_URL: `http://127.0.0.1:${port}` } });
const covered = PASSAGES.find((p) => p.id === "kb.documents.accepted")!;
const question = "Welche Dateiformate akzeptieren Sie für meinen Reisepass?";

const denoPort = await freePort();
let deno: Service;
let denoDir: string;
beforeAll(async () => {
  denoDir = mkdtempSync(join(tmpdir(), "crossflow-chat-browser-deno-"));
  const stack = env.stack();
  deno = await startDenoServer({
    dataDir: denoDir,
    port: denoPort,
    libsqlUrl: stack.libsql.url,
    libsqlAuthToken: stack.libsql.authToken,
    simulatorsUrl: stack.simulators.url,
    env: { CROSSFLOW_PUBLIC_URL: `http://127.0.0.1:${denoPort}` },
    quiet: true,
  });
}, 90_000);
afterAll(async () => {
  await deno?.stop();
  if (denoDir) rmSync(denoDir, { recursive: true, force: true });
});

/** On a 390 px page: the conversation so far, then the question asked and its answer live; the page's log. */
async function askOnPhone(phone: Page, link: string) {
  await phone.goto(link);
  await phone.getByRole("heading", { level: 1 }).waitFor();
  const log = phone.getByRole("log", { name: "Conversation" });
  // The conversation so far: the documents ask.
  await log.getByText("We could not accept your passport").waitFor({ timeout: 20_000 });
  await expect(phone.getByRole("button", { name: "Send" }).isEnabled()).resolves.toBe(true);
  await phone.getByLabel("Your message").fill(question);
  await phone.getByRole("button", { name: "Send" }).click();
  await log.getByText(question).waitFor({ timeout: 20_000 });
  const answer = log.locator("li.us", { hasText: covered.text.de });
  await answer.waitFor({ timeout: 30_000 });
  await expect(answer.textContent()).resolves.toContain("Vielen Dank für Ihre Frage.");
  // The ask's link to this very page is not repeated inside it.
  expect(await log.textContent()).not.toContain("/chat/");
  // Fits the phone: nothing scrolls sideways.
  expect(await phone.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
  return log;
}

async function applyAndGetLink(origin: string): Promise<{ app: Application; link: string }> {
  const app: Application = {
    email: `lena-${crypto.randomUUID().slice(0, 8)}@example.de`,
    name: "Lena Vogel",
    birthDate: "1991-11-23",
    country: "DE",
    plan: "fiber-500",
    paymentMethod: "pm_card_visa",
    consent: true,
    documents: [{ type: "passport", fileName: "passport.heic", contentType: "image/heic", sizeBytes: 1_800_000 }],
  };
  const stack = env.stack();
  const signed = await sign.hmacSource(
    "onboarding-form",
    devVar("ONBOARDING_FORM_SECRET")!,
    `app-${crypto.randomUUID()}`,
    { event: "application.submitted", application: app },
  );
  expect((await post(origin, signed)).status).toBe(202);
  const link = await eventually(
    async () => {
      const { sent } = (await (await fetch(`${stack.simulators.url}/resend/_sim/sent`)).json()) as {
        sent: { to: string[]; text: string }[];
      };
      return sent
        .filter((m) => m.to.includes(app.email))
        .map((m) => /Chat: (\S+\/chat\/\S+)/.exec(m.text)?.[1])
        .find(Boolean);
    },
    30_000,
    "the documents ask with its chat link",
  );
  return { app, link };
}

describe("chat with the case", () => {
  it("the customer asks on a phone and sees the answer live; the operator sees the same conversation", async () => {
    const { app, link } = await applyAndGetLink(env.stack().worker.url);
    const phone = await env.page({ width: 390, height: 844 });
    await askOnPhone(phone, link);
    await phone.screenshot({ path: join(ARTIFACTS, "chat-390.png"), fullPage: true });

    const operator = await env.signedIn();
    await operator.goto(`${env.url()}/cases/customer-onboarding/${encodeURIComponent(`customer:${app.email}`)}`);
    const talk = await operator.getByTestId("conversation").textContent();
    expect(talk).toContain("We could not accept your passport");
    expect(talk).toContain(question);
    expect(talk).toContain("Answered the customer");
    expect(talk).toContain(covered.text.de);
    expect(talk).toContain("From the knowledge base: kb.documents.accepted");
    // In the order it happened: the ask, the question, the answer.
    const order = [talk!.indexOf("We could not accept"), talk!.indexOf(question), talk!.indexOf(covered.text.de)];
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // "Read in English" asks the worker's model; the local stack runs offline, so the page says why there is none and
    // keeps the conversation as written; "Show as written" goes back.
    await operator.getByRole("link", { name: "Read in English" }).click();
    await operator.waitForURL(/[?&]read=en/);
    expect(await operator.getByTestId("translation-unavailable").textContent()).toContain(
      "translations need a configured model",
    );
    expect(await operator.getByTestId("conversation").textContent()).toContain(question);
    await operator.getByRole("link", { name: "Show as written" }).click();
    await operator.waitForURL((u) => !u.searchParams.has("read"));
    expect(await operator.getByTestId("translation-unavailable").count()).toBe(0);
  }, 180_000);

  it("on Deno: the customer asks on a phone and sees the answer live; the case holds the same conversation", async () => {
    const { app, link } = await applyAndGetLink(deno.url);
    expect(link.startsWith(`http://127.0.0.1:${denoPort}/chat/`)).toBe(true);
    const phone = await env.page({ width: 390, height: 844 });
    await askOnPhone(phone, link);
    await phone.screenshot({ path: join(ARTIFACTS, "chat-390-deno.png"), fullPage: true });
    // What the operator's page is built from: the case on Deno, its question heard and its answer sent in the chat.
    const view = (await (
      await fetch(`${deno.url}/api/cases/customer-onboarding/${encodeURIComponent(`customer:${app.email}`)}`, {
        headers: { authorization: `Bearer ${firstSecret(devVar("CROSSFLOW_API_TOKEN"))}` },
      })
    ).json()) as { steps: { id: string; output: any }[] };
    expect(
      view.steps.find((s) => /:reply-after-message-\d+$|^document-0-again:reply$/.test(s.id))?.output?.payload,
    ).toMatchObject({
      channel: "chat",
      text: question,
    });
    expect(view.steps.find((s) => /^document-0-question-\d+:reply$/.test(s.id))?.output).toMatchObject({
      channel: "chat",
      citations: ["kb.documents.accepted"],
    });
  }, 180_000);
});
