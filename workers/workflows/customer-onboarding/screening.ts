/** An ambiguous sanctions/PEP screening: the agent's decision shape and its offline rule. */
import { z } from "zod";
import type { ScreeningCandidate } from "../../connectors/compliance/client.ts";

export const Review = z.object({
  decision: z.enum(["clear", "escalate"]),
  confidence: z.number().min(0).max(1),
  rationale: z.string(),
});

/** The offline model's rule for an ambiguous screening: a different birth date on every candidate clears it. */
export function screeningRules({ context }: { context: Record<string, unknown> }) {
  const birthDate = context.birthDate as string;
  const candidates = context.candidates as ScreeningCandidate[];
  const sameBirthDate = candidates.filter((c) => c.properties?.birthDate?.includes(birthDate));
  return sameBirthDate.length === 0
    ? {
        decision: "clear" as const,
        confidence: 0.9,
        rationale: `no candidate shares the applicant's birth date ${birthDate}`,
      }
    : {
        decision: "escalate" as const,
        confidence: 0.5,
        rationale: `${sameBirthDate.map((c) => c.caption).join(", ")} share the birth date: a person must compare`,
      };
}
