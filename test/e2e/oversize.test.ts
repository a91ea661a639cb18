/**
 * Oversized bodies against the real `wrangler dev`: uploads far past the cap, streamed without a Content-Length or
 * with one, are never held past the cap and are answered 413, while valid signed webhooks sent at the same time are
 * all accepted: no 5xx, no restart of the worker.
 */
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { devVar } from "../../scripts/dev-vars.ts";
import { issueOpenedPayload, post, sign } from "../../scripts/senders.ts";
import { useStack } from "../support/stack.ts";

const stack = useStack("oversize");
const githubSecret = () => devVar("GITHUB_WEBHOOK_SECRET")!.split(/[\s,]+/)[0]!;
const MB = 1024 * 1024;

interface UploadResult {
  status: number | null;
  code: string | null;
  error: string | null;
}

/**
 * POSTs `totalBytes` of JSON-looking filler in 64 KiB chunks with `Transfer-Encoding: chunked` (no Content-Length),
 * as fast as the socket takes them, and stops writing as soon as an answer arrives.
 */
function chunkedUpload(origin: string, path: string, totalBytes: number): Promise<UploadResult> {
  return new Promise((resolve) => {
    const url = new URL(path, origin);
    let sent = 0;
    let settled = false;
    const finish = (result: UploadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    // An upload left hanging (neither answered nor refused) fails the test instead of holding it until its timeout.
    const timer = setTimeout(() => {
      finish({ status: null, code: null, error: `no answer within 20 s after ${sent} bytes` });
      req.destroy();
    }, 20_000);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
        "x-github-event": "issues",
        "x-github-delivery": crypto.randomUUID(),
      },
    });
    const chunk = Buffer.alloc(64 * 1024, "[1,2,3,4,5,6,7]");
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        let code: string | null = null;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
        } catch {
          // Not JSON: reported through the status alone.
        }
        finish({ status: res.statusCode ?? null, code, error: null });
        req.destroy();
      });
    });
    req.on("error", (error) => finish({ status: null, code: null, error: String(error) }));
    const pump = () => {
      while (!settled && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

/** Sends raw bytes over a socket and returns the status line of the first answer (or null if none came). */
function rawRequest(origin: string, head: string, body: Buffer): Promise<{ status: number | null; raw: string }> {
  return new Promise((resolve) => {
    const url = new URL(origin);
    const socket = connect(Number(url.port), url.hostname);
    let raw = "";
    const done = () =>
      resolve({ status: /^HTTP\/1\.1 (\d{3})/.exec(raw) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)![1]) : null, raw });
    socket.setTimeout(15_000, () => socket.destroy());
    socket.on("data", (d) => (raw += d.toString("latin1")));
    socket.on("close", done);
    socket.on("error", () => {
      // A reset after the answer is how a server ends a request whose body it refused; the answer is what counts.
    });
    socket.on("connect", () => {
      socket.write(head);
      socket.write(body, () => socket.end());
    });
  });
}

describe("oversized uploads over HTTP", () => {
  it("answers 413 to four concurrent 10 MB chunked uploads, three times over, while every valid webhook sent alongside is accepted", async () => {
    const origin = stack().worker.url;
    const workerLog: string[] = [];
    const listen = (d: Buffer) => workerLog.push(d.toString());
    stack().worker.process.stdout!.on("data", listen);
    stack().worker.process.stderr!.on("data", listen);
    try {
      const secret = githubSecret();
      const statuses: number[] = [];
      const results: UploadResult[] = [];
      for (let round = 0; round < 3; round++) {
        let uploadsDone = false;
        const uploads = Promise.all(
          Array.from({ length: 4 }, () => chunkedUpload(origin, "/hooks/github", 10 * MB)),
        ).finally(() => (uploadsDone = true));
        // Valid webhooks, two at a time, for as long as the uploads run (and at least 10 each).
        const sender = async (lane: number) => {
          for (let i = 0; !uploadsDone || i < 10; i++) {
            const res = await post(
              origin,
              await sign.github(secret, "issues", issueOpenedPayload(`oversize/round-${round}-lane-${lane}`, i + 1)),
            );
            statuses.push(res.status);
            await res.arrayBuffer();
          }
        };
        const [answers] = await Promise.all([uploads, sender(1), sender(2)]);
        results.push(...answers);
      }
      // Every upload sees its 413: none is reset, none gets the dev proxy's 503 "worker restarted".
      expect(results.map((r) => ({ status: r.status, code: r.code, error: r.error }))).toEqual(
        results.map(() => ({ status: 413, code: "payload_too_large", error: null })),
      );
      expect(statuses.length).toBeGreaterThanOrEqual(60);
      expect(statuses.filter((s) => s !== 202)).toEqual([]);
      expect(workerLog.join("")).not.toMatch(/restart|Reloading|Uncaught|internal_error| 5\d\d /i);
    } finally {
      stack().worker.process.stdout!.off("data", listen);
      stack().worker.process.stderr!.off("data", listen);
    }
  });

  it("answers 413 to a 10 MB body declared with its Content-Length, holding none of it past the cap", async () => {
    const origin = stack().worker.url;
    const head = `POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${10 * MB}\r\nX-GitHub-Event: issues\r\nX-GitHub-Delivery: cl-over\r\nX-Hub-Signature-256: sha256=${"0".repeat(64)}\r\nConnection: close\r\n\r\n`;
    const { status, raw } = await rawRequest(origin, head, Buffer.alloc(10 * MB, "x"));
    expect(status, raw.slice(0, 300)).toBe(413);
    expect(raw).toContain("payload_too_large");
  });

  it("reads no further than a Content-Length that understates the body: the rest is not part of the request", async () => {
    const origin = stack().worker.url;
    const signed = await sign.github(githubSecret(), "issues", issueOpenedPayload("oversize/lying", 1));
    const body = Buffer.concat([Buffer.from(signed.body), Buffer.alloc(10 * MB, "x")]);
    const headers = Object.entries(signed.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    const head = `POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Content-Length: ${signed.body.length}\r\n\r\n`;
    const { status, raw } = await rawRequest(origin, head, body);
    // The declared bytes are the signed body: accepted. What follows is no request at all; the server drops it.
    expect(status, raw.slice(0, 400)).toBe(202);
    expect(raw).not.toMatch(/HTTP\/1\.1 5\d\d/);
    // And the worker still serves.
    const after = await post(
      origin,
      await sign.github(githubSecret(), "issues", issueOpenedPayload("oversize/lying", 2)),
    );
    expect(after.status).toBe(202);
  });
});
