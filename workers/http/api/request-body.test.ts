import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";
import type { ApiCaller } from "./auth.ts";
import { actingPerson, jsonBody } from "./request-body.ts";

const Body = z.object({ share: z.number().int().min(0).max(100) });
const RULES = { what: "test change", maxBytes: 64, invalidCode: "invalid_change" };

/** A route reading its body through `jsonBody`, answering the refusal as the app's onError does. */
const app = new Hono<AppEnv>()
  .post("/", async (c) => c.json(await jsonBody(c, Body, RULES)))
  .onError((error, c) =>
    error instanceof ApiError
      ? c.json({ error: { code: error.code, message: error.message } }, error.status)
      : c.json({ error: { code: "internal", message: String(error) } }, 500),
  );

async function post(body: string, type = "application/json") {
  const res = await app.request("/", { method: "POST", headers: { "content-type": type }, body });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

describe("jsonBody", () => {
  it("answers a body of the schema with its value", async () => {
    expect(await post('{"share":25}')).toEqual({ status: 200, body: { share: 25 } });
    expect(await post('{"share":25}', "application/json; charset=utf-8")).toEqual({ status: 200, body: { share: 25 } });
  });

  it("refuses in order: media type, size, syntax, shape, each with its code", async () => {
    expect(await post('{"share":25}', "text/plain")).toMatchObject({
      status: 415,
      body: { error: { code: "unsupported_media_type", message: "send the test change as application/json" } },
    });
    expect(await post(`{"share":25,"pad":"${"x".repeat(64)}"}`)).toMatchObject({
      status: 413,
      body: { error: { code: "payload_too_large", message: "a test change is at most 64 bytes" } },
    });
    expect(await post("{share:")).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
    const shape = await post('{"share":250}');
    expect(shape).toMatchObject({ status: 400, body: { error: { code: "invalid_change" } } });
    expect(shape.body.error?.message).toContain("share");
  });

  it("counts bytes, not characters, against the cap", async () => {
    // 20 three-byte characters are 60 bytes of UTF-8 plus the JSON around them: over 64 though only 35 characters.
    expect((await post(`{"share":1,"n":"${"€".repeat(20)}"}`)).status).toBe(413);
  });
});

describe("actingPerson", () => {
  const dashboard: ApiCaller = {
    keyId: "dashboard",
    holder: "dashboard",
    role: "admin",
    taskRoles: [],
    workflows: null,
    onBehalf: true,
  };
  const key: ApiCaller = { ...dashboard, keyId: "k_12", holder: "ops-bot", onBehalf: false };

  it("names the dashboard's person, and requires one", () => {
    expect(actingPerson(dashboard, "ada")).toBe("person:ada via dashboard");
    expect(() => actingPerson(dashboard, undefined)).toThrow(expect.objectContaining({ code: "actor_required" }));
  });

  it("lets a key act only as its holder", () => {
    expect(actingPerson(key, undefined)).toBe("person:ops-bot via key:k_12");
    expect(actingPerson(key, "ops-bot")).toBe("person:ops-bot via key:k_12");
    expect(() => actingPerson(key, "ada")).toThrow(expect.objectContaining({ code: "actor_not_allowed", status: 403 }));
  });
});
