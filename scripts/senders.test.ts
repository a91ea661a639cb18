import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { deliver, type SignedRequest } from "./senders.ts";

const REQUEST: SignedRequest = {
  path: "/hooks/provisioning",
  headers: { "content-type": "application/json" },
  body: "{}",
};
let server: Server | undefined;

/** A receiver on 127.0.0.1 answering each delivery with the next status of `answers` (the last one repeats). */
async function receiver(answers: number[]): Promise<{ origin: string; bodies: string[] }> {
  const bodies: string[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(answers[Math.min(bodies.length - 1, answers.length - 1)]!).end("{}");
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe("deliver, as a SaaS sender delivers a webhook", () => {
  it("tries a 503 and a 429 again, with the same signed request, until it is taken", async () => {
    const { origin, bodies } = await receiver([503, 429, 202]);
    const res = await deliver(origin, REQUEST, { firstDelayMs: 5 });
    expect(res.status).toBe(202);
    expect(bodies).toEqual(["{}", "{}", "{}"]);
  });

  it("takes any other answer as final: a 401 is not tried again", async () => {
    const { origin, bodies } = await receiver([401]);
    expect((await deliver(origin, REQUEST, { firstDelayMs: 5 })).status).toBe(401);
    expect(bodies).toHaveLength(1);
  });

  it("stops after its attempts and answers the last refusal", async () => {
    const { origin, bodies } = await receiver([503]);
    expect((await deliver(origin, REQUEST, { attempts: 3, firstDelayMs: 5 })).status).toBe(503);
    expect(bodies).toHaveLength(3);
  });

  it("tries a refused connection again and throws once its attempts are spent", async () => {
    await expect(deliver("http://127.0.0.1:1", REQUEST, { attempts: 2, firstDelayMs: 5 })).rejects.toThrow();
  });
});
