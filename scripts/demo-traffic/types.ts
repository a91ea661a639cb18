/** What the demo traffic sends to, the cases it opens, and a scenario: how one kind of case opens and goes on. */

export interface DemoTarget {
  workerUrl: string;
  simulatorsUrl: string;
  apiToken: string;
  resendSecret: string;
  onboardingSecret: string;
}

export type DemoWorkflow = "refund-dispute" | "customer-onboarding";

export interface DemoCase {
  workflow: DemoWorkflow;
  kind: string;
  /** The case's key: `customer:<email>`, or `customer:<phone>` for an applicant who chose SMS. */
  caseKey: string;
  email: string;
  /** E.164, for applicants who talk by SMS. */
  phone?: string;
  charge?: string;
}

export interface Scenario {
  workflow: DemoWorkflow;
  kind: string;
  /** Share within its workflow, in percent. */
  weight: number;
  open(target: DemoTarget, c: DemoCase, n: number): Promise<void>;
  /** What the customer answers when the case asks them something (by the step that asked). */
  answer?(target: DemoTarget, c: DemoCase, askedBy: string): Promise<void>;
  /** Set when a person approves the case's approval request outside the dashboard (a click in Slack). */
  approve?(target: DemoTarget, c: DemoCase): Promise<void>;
  /** Applicants who talk by SMS. */
  sms?: boolean;
}
