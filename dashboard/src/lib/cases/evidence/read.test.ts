import { describe, expect, it } from "vitest";
import { callText, detailLine, leafText, money, proposedCalls, readEvidence, rows, taskAmount, whoOf } from "./read.ts";

describe("money", () => {
  it("writes minor units in their currency, zero-decimal currencies undivided", () => {
    expect(money(22160, "eur")).toBe("€221.60");
    expect(money(4900, "USD")).toBe("$49.00");
    expect(money(500, "jpy")).toBe("¥500");
  });
});

describe("rows", () => {
  it("formats a Stripe charge's amounts in its currency and its instants as UTC dates", () => {
    expect(
      rows({ charge: { id: "ch_1", amount: 22160, amount_refunded: 0, currency: "eur", created: 1764605992 } }),
    ).toEqual([
      {
        key: "charge",
        label: "charge",
        rows: [
          { key: "id", label: "id", text: "ch_1" },
          { key: "amount", label: "amount", text: "€221.60" },
          { key: "amount_refunded", label: "amount refunded", text: "€0.00" },
          { key: "created", label: "created", text: "2025-12-01 16:19:52 UTC" },
        ],
      },
    ]);
  });

  it("leaves a number without a currency or a time key as it is", () => {
    expect(rows({ amount: 22160, finishedAt: 1764605992000, ok: true })).toEqual([
      { key: "amount", label: "amount", text: "22160" },
      { key: "finishedAt", label: "finished at", text: "2025-12-01 16:19:52 UTC" },
      { key: "ok", label: "ok", text: "yes" },
    ]);
    expect(leafText("count", 1764605992000)).toBe("1764605992000");
  });
});

describe("proposed calls", () => {
  it("reads the agent's proposals and says them in words", () => {
    const calls = proposedCalls(
      'refund {"charge":"ch_3Nabc","amount":22160,"currency":"eur"}; lookupCharge {"charge":"ch_x"}',
    );
    expect(calls).toEqual([
      { tool: "refund", input: { charge: "ch_3Nabc", amount: 22160, currency: "eur" } },
      { tool: "lookupCharge", input: { charge: "ch_x" } },
    ]);
    expect(calls.map(callText)).toEqual(["refund €221.60 on ch_3Nabc", "lookupCharge on ch_x"]);
  });

  it("keeps a proposal that is a decision, not a call, as its text", () => {
    expect(proposedCalls("deny")).toEqual([{ tool: "deny", input: null }]);
    expect(proposedCalls(undefined)).toEqual([]);
    expect(callText({ tool: "reply", input: { ticket: "42", text: "hi" } })).toBe("reply ticket: 42 text: hi");
  });
});

describe("readEvidence", () => {
  it("takes the agent's packet apart: the customer's words, rationale, confidence, verdicts; the rest as it came", () => {
    const read = readEvidence({
      context: { charge: { id: "ch_1", amount: 2400, currency: "eur" }, customer: "ana@example.com" },
      data: [{ label: "customer message", text: "I did not authorize ch_1" }, "older label"],
      model: "offline:rules",
      rationale: "fraud is a person's call",
      confidence: 0.6,
      verdicts: [
        {
          toolCallId: "c1",
          tool: "refund",
          verdict: "blocked",
          reason: "over the cap",
          input: { charge: "ch_1", amount: 25000, currency: "eur" },
        },
      ],
    });
    expect(read.quotes).toEqual([
      { label: "customer message", text: "I did not authorize ch_1" },
      { label: "older label", text: null },
    ]);
    expect(read).toMatchObject({
      rationale: "fraud is a person's call",
      confidence: 0.6,
      model: "offline:rules",
      screening: null,
    });
    expect(read.verdicts).toEqual([
      { tool: "refund", verdict: "blocked", reason: "over the cap", call: "refund €250.00 on ch_1" },
    ]);
    expect(Object.keys(read.rest)).toEqual(["context"]);
  });

  it("puts a screening hit's candidates beside the applicant", () => {
    const read = readEvidence({
      applicant: { name: "Ivan Petrov", birthDate: "1961-04-12", country: "DE" },
      candidates: [
        {
          id: "NK-ivan-petrov",
          caption: "Ivan Petrov",
          score: 0.98,
          match: true,
          datasets: ["default"],
          properties: { birthDate: ["1961-04-12"], topics: ["sanction"] },
        },
      ],
    });
    expect(read.screening).toEqual({
      applicant: { name: "Ivan Petrov", birthDate: "1961-04-12", country: "DE", score: "", list: "", match: false },
      candidates: [
        {
          name: "Ivan Petrov",
          birthDate: "1961-04-12",
          country: "not listed",
          score: "0.98",
          list: "default · sanction",
          match: true,
        },
      ],
    });
    expect(read.rest).toEqual({});
  });

  it("finds the applicant and candidates in an agent's context (an ambiguous screening the model judged)", () => {
    const read = readEvidence({
      context: {
        name: "Carlos Gomez",
        birthDate: "1980-01-01",
        country: "ES",
        candidates: [{ caption: "Maria Gomez", score: 0.71 }],
      },
    });
    expect(read.screening?.applicant?.name).toBe("Carlos Gomez");
    expect(read.screening?.candidates.map((c) => c.name)).toEqual(["Maria Gomez"]);
    expect(read.rest).toEqual({});
  });
});

describe("inbox rows", () => {
  it("names the amount a task is about and who it is about", () => {
    expect(taskAmount({ proposedAction: 'refund {"charge":"ch_1","amount":8000,"currency":"eur"}' })).toBe("€80.00");
    expect(taskAmount({ evidence: { context: { charge: { id: "ch_1", amount: 22160, currency: "usd" } } } })).toBe(
      "$221.60",
    );
    expect(taskAmount({ proposedAction: "deny" })).toBeNull();
    expect(whoOf("customer:ana@example.com")).toBe("ana@example.com");
    expect(whoOf("deal:42")).toBe("deal 42");
  });
});

describe("detailLine", () => {
  it("says an audit entry's detail with dates and money, no epoch numbers or JSON", () => {
    expect(
      detailLine({
        tool: "refund",
        input: { charge: "ch_1", amount: 25000, currency: "eur" },
        deadline: 1764605992000,
        empty: null,
      }),
    ).toBe("tool: refund · input: charge: ch_1 · amount: €250.00 · deadline: 2025-12-01 16:19:52 UTC");
    expect(detailLine(undefined)).toBe("");
    expect(
      detailLine({ proposedAction: 'refund {"charge":"ch_1","amount":7000,"currency":"eur"}', action: "refund" }),
    ).toBe("proposed action: refund €70.00 on ch_1 · action: refund");
  });
});
