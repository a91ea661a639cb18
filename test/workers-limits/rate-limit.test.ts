/** The per-source rate limit, in a miniflare whose limiter allows 5 requests per 10 s per source. */
import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

const hit = (source: string) =>
  exports.default.fetch(`https://crossflow.test/hooks/${source}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });

it("answers 429 with Retry-After once a source exceeds its limit, without affecting other sources", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await hit("stripe")).status);
  expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
  const limited = await hit("stripe");
  expect(limited.status).toBe(429);
  expect(limited.headers.get("retry-after")).toBe("10");
  expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } });
  expect((await hit("github")).status).toBe(401);
});
