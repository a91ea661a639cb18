/**
 * The foundation's reference workflow: a new GitHub issue is classified from its text and the case resolves
 * with the labels a maintainer would apply. Deterministic on purpose; agent steps arrive with the agent issue.
 */
import { type githubEvents, githubWebhooks } from "../connectors/github/events.ts";
import type { PayloadOf } from "../connectors/triggers.ts";
import { defineWorkflow } from "../engine/index.ts";
import { catalogued } from "./catalogue.ts";

type IssuesEvent = PayloadOf<typeof githubEvents, "issues.opened" | "issues.reopened">;

const LABEL_RULES: readonly { label: string; pattern: RegExp }[] = [
  { label: "bug", pattern: /\b(bugs?|crash\w*|errors?|exceptions?|broken|fail\w*|regression)\b/i },
  { label: "feature", pattern: /\b(feature|add support|would be nice|proposal|request)\b/i },
  { label: "question", pattern: /\b(how (do|can|to)|question|\?\s*$)/im },
  { label: "security", pattern: /\b(security|vulnerabilit(y|ies)|cve-\d+|xss|injection)\b/i },
];

export function classifyIssue(issue: IssuesEvent["issue"]): string[] {
  const text = `${issue.title}\n${issue.body ?? ""}`;
  const labels = LABEL_RULES.filter((rule) => rule.pattern.test(text)).map((rule) => rule.label);
  return labels.length > 0 ? labels : ["needs-triage"];
}

export default defineWorkflow<IssuesEvent>(
  {
    ...catalogued("github-issue-triage", 1),
    triggers: [
      githubWebhooks.on(["issues.opened", "issues.reopened"], {
        caseKey: (e) =>
          e.repository?.full_name && typeof e.issue?.number === "number"
            ? `github:${e.repository.full_name}#${e.issue.number}`
            : null,
      }),
    ],
  },
  async ({ input, step }) => {
    const labels = await step.run("classify", () => classifyIssue(input.issue));
    return step.resolve("triaged", { labels });
  },
);
