/**
 * The customer's chat page (`GET /chat/:token`): one small HTML page, its script and its style, all served by the
 * Worker. No inline script or style, so it runs under a strict Content-Security-Policy. Mobile-first (one column,
 * 16 px text so phones do not zoom into the field, 44 px touch targets); the conversation is a `role="log"` region
 * that screen readers announce as lines arrive.
 */

/** Served with every chat response: nothing but this origin's own script, style and socket. */
export const CHAT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const shell = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/chat/chat.css">
</head>
<body>
${body}
</body>
</html>
`;

/**
 * The chat itself; the script finds the socket next to the page's own address.
 * @example c.html(chatPage("Your onboarding"))
 */
export function chatPage(title: string): string {
  return shell(
    title,
    `<main>
<h1>${escapeHtml(title)}</h1>
<p class="hint">Ask us anything about your application. Answers appear here; you can close this page and come back with the same link.</p>
<ol id="log" class="log" role="log" aria-live="polite" aria-label="Conversation"></ol>
<p id="status" class="status" role="status">Connecting…</p>
<form id="composer" class="composer">
<label for="message">Your message</label>
<textarea id="message" name="message" rows="3" maxlength="2000" required></textarea>
<button type="submit" id="send">Send</button>
</form>
</main>
<script src="/chat/chat.js" defer></script>`,
  );
}

/**
 * A refused link: what happened and what to do, in words for the customer.
 * @example c.html(chatRefusedPage("This chat link has expired", "Please ask us for a new one."), 410)
 */
export function chatRefusedPage(heading: string, message: string): string {
  return shell(heading, `<main>\n<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(message)}</p>\n</main>`);
}

export const CHAT_CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
main{max-width:40rem;margin:0 auto;padding:1rem;display:flex;flex-direction:column;gap:.75rem;min-height:100vh}
h1{font-size:1.25rem;margin:.25rem 0}
.hint{margin:0;color:#4a5260}
.log{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.5rem;flex:1}
.log li{padding:.6rem .8rem;border-radius:.75rem;max-width:90%;white-space:pre-wrap;overflow-wrap:anywhere}
.log li.us{background:#fff;border:1px solid #d6dae0;align-self:flex-start}
.log li.customer{background:#1f5fbf;color:#fff;align-self:flex-end}
.log .who{display:block;font-size:.8rem;opacity:.8}
.status{margin:0;min-height:1.5em;color:#4a5260}
.status.error{color:#a3161b}
.composer{display:flex;flex-direction:column;gap:.4rem;position:sticky;bottom:0;background:#f6f7f9;padding-bottom:.5rem}
label{font-weight:600}
textarea{width:100%;font:inherit;padding:.6rem;border:1px solid #8a93a0;border-radius:.5rem;min-height:44px}
textarea:focus,button:focus{outline:3px solid #f0b429;outline-offset:2px}
button{font:inherit;font-weight:600;min-height:44px;padding:.5rem 1rem;border:0;border-radius:.5rem;background:#1f5fbf;color:#fff}
button:disabled{background:#8a93a0}
`;

/** The page's script: one socket, reconnected with backoff; each line shown once (by its id). */
export const CHAT_JS = `"use strict";
(() => {
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const form = document.getElementById("composer");
  const field = document.getElementById("message");
  const send = document.getElementById("send");
  const shown = new Set();
  let socket = null;
  let retry = 0;
  const say = (text, error) => {
    status.textContent = text;
    status.classList.toggle("error", Boolean(error));
  };
  const show = (line) => {
    if (shown.has(line.id)) return;
    shown.add(line.id);
    const item = document.createElement("li");
    item.className = line.from === "customer" ? "customer" : "us";
    item.dataset.lineId = line.id;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = line.from === "customer" ? "You" : "Us";
    // Our asks end with the link to this very page: not repeated inside it.
    item.append(who, document.createTextNode(line.text.replace(/\\n*Chat: \\S+\\/chat\\/\\S+\\s*$/, "")));
    log.append(item);
    item.scrollIntoView({ block: "end" });
  };
  const connect = () => {
    const url = new URL(location.pathname.replace(/\\/$/, "") + "/socket", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      retry = 0;
      send.disabled = false;
      say("Connected.");
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame.type === "lines") {
        for (const line of frame.lines) show(line);
        if (frame.lines.some((l) => l.from === "us")) say("");
      } else if (frame.type === "accepted") say("Sent. We are writing an answer…");
      else if (frame.type === "handover") say(frame.message);
      else if (frame.type === "error") say(frame.message, true);
    });
    socket.addEventListener("close", (event) => {
      send.disabled = true;
      if (event.code === 4403 || event.code === 4410) return say(event.reason || "This chat is closed.", true);
      retry = Math.min(retry + 1, 6);
      say("Connection lost; reconnecting…", true);
      setTimeout(connect, 500 * 2 ** retry);
    });
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "message", text }));
    field.value = "";
    say("Sending…");
  });
  send.disabled = true;
  connect();
})();
`;
