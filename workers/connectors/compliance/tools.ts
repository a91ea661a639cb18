/** Compliance checks as agent tools (read-only `GuardedTool`s, wrapped in AI SDK `tool()` by the agent step). */
import { z } from "zod";
import type { GuardedTool } from "../../agent/types.ts";
import { complianceClient, complianceConfig } from "./client.ts";

export function complianceTools(config: Readonly<Record<string, unknown>>) {
  const compliance = () => complianceClient(complianceConfig(config));
  return {
    /** @example tools: { screen: complianceTools(config).screen } */
    screen: {
      description: "Screen a person against sanctions and PEP lists: clear, ambiguous (candidates to judge) or hit",
      inputSchema: z.object({
        name: z.string().min(1),
        birthDate: z.string().optional(),
        nationality: z.string().length(2).optional(),
      }),
      readOnly: true,
      execute: (p) => compliance().screen(p),
    } satisfies GuardedTool<{ name: string; birthDate?: string; nationality?: string }>,
    checkDocument: {
      description: "Check an identity document's type, format and size",
      inputSchema: z.object({
        type: z.string(),
        fileName: z.string(),
        contentType: z.string(),
        sizeBytes: z.number().int().nonnegative(),
      }),
      readOnly: true,
      execute: (d) => compliance().checkDocument(d),
    } satisfies GuardedTool<{ type: string; fileName: string; contentType: string; sizeBytes: number }>,
  };
}
