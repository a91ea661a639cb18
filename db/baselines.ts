/**
 * The workflows' baselines before automation (schema/baselines.ts): the version in force (the newest) for the
 * workflow page's comparison, each workflow's history for the admins, and saving a new version. A save names the
 * newest version its author saw, so two admins editing at once cannot overwrite each other silently.
 */
import { desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { MetricsDatabase } from "./client.ts";
import { workflowBaselines } from "./schema.ts";

/** A stored version. */
export type BaselineRow = typeof workflowBaselines.$inferSelect;

const share = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .min(0, `${what} cannot be below 0 %`)
    .max(1, `${what} cannot be above 100 %`);

/** What an admin enters, rates as fractions (the form turns percent into them), money in minor units. */
export const BaselineInput = z.object({
  workflowId: z.string().min(1, "name the workflow"),
  minutesPerCase: z
    .number({ error: "minutes per case must be a number" })
    .positive("minutes per case must be above 0")
    .max(100_000, "minutes per case cannot exceed 100,000"),
  errorRate: share("the error rate"),
  dropOutRate: share("the drop-out rate").nullable(),
  conversionRate: share("the conversion rate").nullable(),
  costPerHourMinor: z
    .number({ error: "the cost per hour must be a number" })
    .int("the cost per hour is in cents")
    .min(0, "the cost per hour cannot be negative")
    .max(100_000_000, "the cost per hour cannot exceed 1,000,000"),
  currency: z.string().regex(/^[A-Z]{3}$/, "the currency is a three-letter code such as EUR"),
  who: z.string().min(1),
  why: z.string().trim().min(3, "say why (at least 3 characters): it is kept with the version"),
  /** The newest version the author saw (0: none yet); the save is refused if another came since. */
  basedOn: z.number().int().min(0),
});
export type BaselineInput = z.infer<typeof BaselineInput>;

/** A save that cannot be made as asked: safe to show the person. */
export class BaselineError extends Error {
  override name = "BaselineError";
  constructor(
    readonly code: "stale_version",
    message: string,
  ) {
    super(message);
  }
}

/**
 * The baseline in force for `workflowId` (its newest version), or null when none was entered.
 * @example (await baselineInForce(db, "customer-onboarding"))?.minutesPerCase // → 35
 */
export async function baselineInForce(db: MetricsDatabase, workflowId: string): Promise<BaselineRow | null> {
  const [row] = await db
    .select()
    .from(workflowBaselines)
    .where(eq(workflowBaselines.workflowId, workflowId))
    .orderBy(desc(workflowBaselines.version))
    .limit(1);
  return row ?? null;
}

/** Every version of every workflow's baseline, newest first per workflow (a handful each): the admins' page. */
export async function baselineHistory(db: MetricsDatabase): Promise<BaselineRow[]> {
  return db.select().from(workflowBaselines).orderBy(workflowBaselines.workflowId, desc(workflowBaselines.version));
}

/**
 * Saves `input` (checked with `BaselineInput`) as the workflow's next baseline version.
 * @example await saveBaseline(db, { workflowId: "refund-dispute", minutesPerCase: 25, errorRate: 0.06, dropOutRate: null, conversionRate: null, costPerHourMinor: 4_500, currency: "EUR", who: "person:ana", why: "2025 ticket study", basedOn: 0 });
 */
export async function saveBaseline(db: MetricsDatabase, input: BaselineInput, now = Date.now()): Promise<BaselineRow> {
  const { basedOn, ...fields } = input;
  // The primary key (workflow, version) lets exactly one save based on version n through.
  const [inserted] = await db
    .insert(workflowBaselines)
    .values({ ...fields, version: basedOn + 1, createdAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted) return inserted;
  const [latest] = await db
    .select({ version: sql<number>`max(${workflowBaselines.version})` })
    .from(workflowBaselines)
    .where(eq(workflowBaselines.workflowId, input.workflowId));
  throw new BaselineError(
    "stale_version",
    `The baseline of ${input.workflowId} was changed meanwhile (version ${latest?.version ?? "?"} is the newest, the change was based on ${basedOn}): review it and save again`,
  );
}
