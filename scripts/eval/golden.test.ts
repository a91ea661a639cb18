import { describe, expect, it } from "vitest";
import { base64Bytes, pdfPages } from "../../workers/agent/documents/pdf-text.ts";
import { isJudged, materialize } from "./golden.ts";

describe("golden cases", () => {
  it("judges the agent steps a pattern names, a star standing for a step number", () => {
    const steps = ["document-*-review", "screening-review"];
    expect(isJudged(steps, "document-0-1-review")).toBe(true);
    expect(isJudged(steps, "screening-review")).toBe(true);
    expect(isJudged(steps, "document-0-question-0")).toBe(false);
    expect(isJudged(steps, "document-0-1-review:escalate")).toBe(false);
    expect(isJudged(["triage"], "triage-with-reply")).toBe(false);
  });

  it("turns a described passport into a real PDF whose text states its fields", async () => {
    const event = await materialize({
      attachments: [{ filename: "p.pdf", content: { $passportPdf: { name: "Ada Byron", birthDate: "1990-12-10" } } }],
      untouched: [1, "two", null],
    });
    const { attachments, untouched } = event as { attachments: { content: string }[]; untouched: unknown };
    expect(untouched).toEqual([1, "two", null]);
    const pages = await pdfPages(base64Bytes(attachments[0]!.content)!);
    expect(pages.join("\n")).toContain("Byron");
    expect(pages.join("\n")).toContain("1990-12-10");
  });
});
