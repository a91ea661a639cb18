/** Submitting an application as an agent tool (a `GuardedTool`, wrapped in AI SDK `tool()` with guardrails by the agent step). */
import type { GuardedTool } from "../../agent/types.ts";
import { ApplicationSubmitted } from "./events.ts";
import { onboardingFormClient, onboardingFormConfig } from "./client.ts";

export function onboardingFormTools(config: Readonly<Record<string, unknown>>) {
  return {
    /** @example tools: { submitApplication: { ...onboardingFormTools(config).submitApplication, needsApproval: true } } */
    submitApplication: {
      description: "Submit an onboarding application for a customer (opens their onboarding case)",
      inputSchema: ApplicationSubmitted.shape.application,
      execute: (application, ctx) => onboardingFormClient(onboardingFormConfig(config)).submit(application, ctx),
    } satisfies GuardedTool<unknown>,
  };
}
