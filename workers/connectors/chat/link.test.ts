import { describe, expect, it } from "vitest";
import { signChatLink, verifyChatLink } from "./link.ts";

const config = { CHAT_LINK_SECRET: "old-secret, new-secret" };
const claims = { workflowId: "customer-onboarding", caseKey: "customer:anna@example.de", seq: 2, expiresAt: 2_000 };

describe("chat links", () => {
  it("verifies a link it signed until it expires, with any secret of a rotation", async () => {
    const token = (await signChatLink(config, claims))!;
    expect(await verifyChatLink(config, token, 1_999)).toEqual({ ok: true, claims });
    expect(await verifyChatLink({ CHAT_LINK_SECRET: "x, old-secret" }, token, 1_000)).toMatchObject({ ok: true });
    expect(await verifyChatLink(config, token, 2_000)).toMatchObject({ ok: false, code: "chat_link_expired" });
  });

  it("refuses a forged or altered link, and everything without a secret", async () => {
    const token = (await signChatLink(config, claims))!;
    const [body, signature] = token.split(".") as [string, string];
    const otherCase = (await signChatLink(
      { CHAT_LINK_SECRET: "guessed" },
      { ...claims, caseKey: "customer:eve@example.de" },
    ))!;
    const altered = `${btoa(JSON.stringify({ w: "customer-onboarding", k: "customer:eve@example.de", s: 1, e: 9e12 })).replace(/=+$/, "")}.${signature}`;
    for (const forged of [otherCase, altered, `${body}.`, body, `${token}.x`, "", "a.zz"])
      expect(await verifyChatLink(config, forged, 1_000), forged).toMatchObject({
        ok: false,
        code: "chat_link_invalid",
      });
    expect(await signChatLink({}, claims)).toBeNull();
    expect(await verifyChatLink({}, token, 1_000)).toMatchObject({ ok: false, code: "chat_not_configured" });
  });
});
