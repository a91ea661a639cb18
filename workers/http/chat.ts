/**
 * The customer's chat (`GET /chat/:token`): the page, its script and style, and `GET /chat/:token/socket`, the
 * WebSocket the platform hands to the case the signed link names (the case's Durable Object on Cloudflare, the case
 * host on Deno). A forged link is refused with 403, an expired one with 410, a case that does not take chat with
 * 404: as a page for a browser, as `{ error: { code, message } }` for anything else.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { CHAT_SOURCE } from "../connectors/chat/events.ts";
import { type ChatLinkClaims, verifyChatLink } from "../connectors/chat/link.ts";
import { caseId } from "../engine/index.ts";
import type { AppEnv } from "./app-env.ts";
import { CHAT_CSP, CHAT_CSS, CHAT_JS, chatPage, chatRefusedPage } from "./chat-page.ts";

export const chat = new Hono<AppEnv>();

chat.use("*", async (c, next) => {
  await next();
  c.header("Content-Security-Policy", CHAT_CSP);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("Cache-Control", "no-store");
});

chat.get("/chat.js", (c) => c.body(CHAT_JS, 200, { "content-type": "text/javascript; charset=utf-8" }));
chat.get("/chat.css", (c) => c.body(CHAT_CSS, 200, { "content-type": "text/css; charset=utf-8" }));

type Refusal = { status: 403 | 404 | 410 | 426 | 501; code: string; message: string; heading: string };

function refuse(c: Context<AppEnv>, r: Refusal): Response {
  const wantsPage = (c.req.header("accept") ?? "").includes("text/html");
  return wantsPage
    ? c.html(chatRefusedPage(r.heading, r.message), r.status)
    : c.json({ error: { code: r.code, message: r.message } }, r.status);
}

/** The case the token names, when the link is genuine, unexpired, and its case exists and talks by chat. */
async function chatCase(c: Context<AppEnv>): Promise<{ id: string; claims: ChatLinkClaims } | Refusal> {
  const verdict = await verifyChatLink(
    c.env as unknown as Record<string, unknown>,
    c.req.param("token") ?? "",
    Date.now(),
  );
  if (!verdict.ok)
    return verdict.code === "chat_link_expired"
      ? { status: 410, code: verdict.code, message: verdict.message, heading: "This chat link has expired" }
      : verdict.code === "chat_not_configured"
        ? { status: 404, code: verdict.code, message: verdict.message, heading: "Chat is not available" }
        : { status: 403, code: verdict.code, message: verdict.message, heading: "This chat link is not valid" };
  const { claims } = verdict;
  const id = caseId(claims.workflowId, claims.caseKey, claims.seq);
  const platform = c.var.platform;
  const head = await platform.cases.head(id);
  const workflow =
    head && platform.workflows.find((w) => w.id === head.workflowId && w.version === head.workflowVersion);
  if (!head || !workflow?.triggers.some((t) => t.source === CHAT_SOURCE))
    return {
      status: 404,
      code: "chat_not_found",
      message: "there is no conversation to open with this link",
      heading: "This conversation is not available",
    };
  return { id, claims };
}

chat.get("/:token", async (c) => {
  const found = await chatCase(c);
  if ("status" in found) return refuse(c, found);
  return c.html(chatPage("Your onboarding: questions and answers"));
});

chat.get("/:token/socket", async (c) => {
  const found = await chatCase(c);
  if ("status" in found) return refuse(c, found);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    return refuse(c, {
      status: 426,
      code: "upgrade_required",
      message: "this address takes a WebSocket connection",
      heading: "Upgrade required",
    });
  const { chatSocket } = c.var.platform;
  if (!chatSocket)
    return refuse(c, {
      status: 501,
      code: "chat_unsupported",
      message: "this platform does not serve chat sockets",
      heading: "Chat is not available",
    });
  return chatSocket(found.id, c.req.raw);
});
