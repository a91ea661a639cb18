/**
 * The document reader's own Worker (crossflow-documents) beside the case Worker, inside workerd: wrangler.toml's
 * DOCUMENTS service binding reaches it by Workers RPC, as on Cloudflare. A real text PDF (made with pdf-lib) is read
 * and compared there; a request it cannot take comes back as a refusal, which the read step's reader makes final.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { passportPdf } from "../../scripts/demo-traffic/documents.ts";
import { documentReaderFrom } from "../../workers/agent/documents/reader.ts";
import { FatalError } from "../../workers/engine/index.ts";

const ada = { name: "Ada Byron", birthDate: "1990-12-10" };

describe("the DOCUMENTS binding", () => {
  it("reads a two-page passport PDF in the reader's Worker and compares it with the application", async () => {
    const pdf = await passportPdf({ ...ada, birthDate: "10.12.1990", expiry: "2031-05-04", pages: 2 });
    const reading = await env.DOCUMENTS.read({ contentBase64: pdf.base64, applicant: ada, today: "2026-12-01" });
    expect(reading).toMatchObject({
      kind: "pdf",
      pages: 2,
      fields: { name: "Ada Byron", birthDate: "1990-12-10", expiry: "2031-05-04" },
      comparison: { verdict: "match", differences: [] },
    });
  });

  it("answers an invalid request with a refusal that the configured reader turns into a final error", async () => {
    const request = { contentBase64: "JVBERi0=", applicant: { name: "Ada Byron" }, today: "2026-12-01" };
    expect(await env.DOCUMENTS.read(request)).toEqual({
      error: { code: "invalid_request", message: expect.stringContaining("applicant.birthDate") },
    });
    const reader = documentReaderFrom(env as unknown as Record<string, unknown>);
    await expect(reader.read({ ...request, applicant: ada, today: "yesterday" })).rejects.toThrow(FatalError);
  });
});
