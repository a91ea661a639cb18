import { describe, expect, it } from "vitest";
import { bytesToHex, signHmac } from "./hmac.ts";
import { github } from "./github.ts";

const body = new TextEncoder().encode(JSON.stringify({ action: "opened", issue: { number: 1 } }));

async function request(headers: Record<string, string>, payload: Uint8Array = body) {
  return { method: "POST", url: "https://x/hooks/github", headers: new Headers(headers), body: payload };
}
const sign = async (secret: string, payload: Uint8Array = body) => `sha256=${bytesToHex(await signHmac("SHA-256", secret, payload))}`;

describe("github verifier", () => {
  it("accepts the signature GitHub computes (the documented test vector)", async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const doc = new TextEncoder().encode("Hello, World!");
    const header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(await github.verify(await request({ "x-hub-signature-256": header }, doc), ["It's a Secret to Everybody"])).toBeNull();
  });

  it("accepts any active secret during a rotation", async () => {
    const header = await sign("old");
    expect(await github.verify(await request({ "x-hub-signature-256": header }), ["new", "old"])).toBeNull();
  });

  it("rejects a changed byte, a wrong secret, a malformed and a missing header", async () => {
    const header = await sign("s3cret");
    const tampered = body.slice();
    tampered[5] = tampered[5]! ^ 1;
    expect(await github.verify(await request({ "x-hub-signature-256": header }, tampered), ["s3cret"])).toMatchObject({ code: "bad_signature" });
    expect(await github.verify(await request({ "x-hub-signature-256": header }), ["other"])).toMatchObject({ code: "bad_signature" });
    expect(await github.verify(await request({ "x-hub-signature-256": "sha1=abc" }), ["s3cret"])).toMatchObject({ code: "bad_signature" });
    expect(await github.verify(await request({}), ["s3cret"])).toMatchObject({ code: "missing_signature" });
  });

  it("identifies the delivery id and the event.action type", () => {
    const headers = new Headers({ "x-github-delivery": "d-1", "x-github-event": "issues" });
    expect(github.identify(headers, { action: "opened" })).toEqual({ id: "d-1", type: "issues.opened" });
    expect(github.identify(new Headers({ "x-github-event": "ping" }), {})).toEqual({ error: "X-GitHub-Delivery header is required" });
  });
});
