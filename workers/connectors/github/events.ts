/**
 * What GitHub sends (https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues): `issues` deliveries
 * signed with `X-Hub-Signature-256` (verified by the `github` source), typed `issues.<action>` by that source.
 */
import { z } from "zod";
import { webhookEvents } from "../triggers.ts";

export const GitHubIssuesEvent = z
  .object({
    action: z.string(),
    issue: z
      .object({
        number: z.number().int(),
        title: z.string(),
        body: z.string().nullable().optional(),
        user: z.object({ login: z.string().optional() }).passthrough().optional(),
      })
      .passthrough(),
    repository: z.object({ full_name: z.string() }).passthrough(),
  })
  .passthrough();

/** @example githubEvents["issues.opened"].safeParse(payload).success */
export const githubEvents = { "issues.opened": GitHubIssuesEvent, "issues.reopened": GitHubIssuesEvent } as const;

/**
 * Typed triggers on the `github` source.
 * @example githubWebhooks.on(["issues.opened", "issues.reopened"], { caseKey: (e) => `github:${e.repository.full_name}#${e.issue.number}` })
 */
export const githubWebhooks = webhookEvents("github", githubEvents);
