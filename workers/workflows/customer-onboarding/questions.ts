/** A customer's question in place of the document asked for: the agent's decision shape and its offline rules. */
import { z } from "zod";

export const Answer = z.object({
  decision: z.enum(["answer", "escalate"]),
  confidence: z.number().min(0).max(1),
  rationale: z.string(),
  answer: z.string().max(2_000),
});

/** The offline model's answers: only what the case facts say; anything else goes to a person. */
export function questionRules({
  context,
  data,
}: {
  context: Record<string, unknown>;
  data: readonly { text: string }[];
}) {
  const question = data
    .map((d) => d.text)
    .join(" ")
    .toLowerCase();
  if (/format|pdf|jpe?g|png|heic|file|size|mb\b/.test(question)) {
    return {
      decision: "answer" as const,
      confidence: 0.9,
      rationale: "the case states the accepted formats",
      answer: `We accept your document as PDF, JPEG or PNG, up to 10 MB. Your first file was refused: ${String(context.rejectedBecause)}.`,
    };
  }
  return {
    decision: "escalate" as const,
    confidence: 0.4,
    rationale: "the case facts do not answer this question",
    answer: "",
  };
}
