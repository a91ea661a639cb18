/**
 * The workflows' baselines over a real libSQL endpoint: the newest version is in force, every change is kept with who
 * and why, a save based on an older version than the newest is refused in words, and the input schema refuses
 * out-of-range figures with a precise message.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { useMigratedDatabase } from "../test/support/libsql-server.ts";
import { BaselineError, BaselineInput, baselineHistory, baselineInForce, saveBaseline } from "./baselines.ts";
import type { MetricsDatabase } from "./client.ts";

const database = useMigratedDatabase("baselines");
let db: MetricsDatabase;
beforeAll(() => {
  db = database().db;
});

const entry = (over: Partial<BaselineInput> = {}): BaselineInput => ({
  workflowId: "customer-onboarding",
  minutesPerCase: 35,
  errorRate: 0.08,
  dropOutRate: 0.27,
  conversionRate: 0.4,
  costPerHourMinor: 4_500,
  currency: "EUR",
  who: "person:ana",
  why: "2025 manual onboarding study",
  basedOn: 0,
  ...over,
});

describe("workflow baselines", () => {
  it("keeps every version with who and why; the newest is in force; a stale save is refused", async () => {
    expect(await baselineInForce(db, "customer-onboarding")).toBeNull();
    const first = await saveBaseline(db, entry(), 1_000);
    expect(first).toMatchObject({ version: 1, minutesPerCase: 35, who: "person:ana", createdAt: 1_000 });
    await saveBaseline(
      db,
      entry({ minutesPerCase: 40, who: "person:bo", why: "recounted with the team", basedOn: 1 }),
      2_000,
    );
    expect(await baselineInForce(db, "customer-onboarding")).toMatchObject({ version: 2, minutesPerCase: 40 });

    const stale = saveBaseline(db, entry({ minutesPerCase: 20, basedOn: 1 }), 3_000);
    await expect(stale).rejects.toBeInstanceOf(BaselineError);
    await expect(stale).rejects.toThrow("version 2 is the newest, the change was based on 1");

    const history = (await baselineHistory(db)).filter((b) => b.workflowId === "customer-onboarding");
    expect(history.map((b) => [b.version, b.minutesPerCase, b.who, b.why])).toEqual([
      [2, 40, "person:bo", "recounted with the team"],
      [1, 35, "person:ana", "2025 manual onboarding study"],
    ]);
    expect(await baselineInForce(db, "refund-dispute")).toBeNull();
  });

  it("refuses figures out of range in words", () => {
    const refused = (over: Partial<BaselineInput>) =>
      BaselineInput.safeParse(entry(over)).error?.issues.map((i) => i.message);
    expect(refused({ errorRate: 1.2 })).toEqual(["the error rate cannot be above 100 %"]);
    expect(refused({ minutesPerCase: 0 })).toEqual(["minutes per case must be above 0"]);
    expect(refused({ currency: "euro" })).toEqual(["the currency is a three-letter code such as EUR"]);
    expect(refused({ why: " x " })).toEqual(["say why (at least 3 characters): it is kept with the version"]);
    expect(BaselineInput.safeParse(entry({ dropOutRate: null, conversionRate: null })).success).toBe(true);
  });
});
