import { describe, expect, it } from "vitest";
import { createApp } from "../app.ts";
import type { Platform } from "../platform.ts";
import { api } from "./routes.ts";

// The document describes; it reads no case, so the app needs no platform behind it.
const app = createApp(() => ({}) as Platform);
const env = { CROSSFLOW_API_TOKEN: "dashboard-token" };
const fetchDocument = (headers: Record<string, string> = { authorization: "Bearer dashboard-token" }) =>
  app.request("/api/openapi.json", { headers }, env);

/** Every route the API serves, as OpenAPI names it (`get /cases/{workflow}/{caseKey}`), but the document's own. */
const served = () =>
  api.routes
    .filter((r) => r.method !== "ALL" && r.path !== "/openapi.json")
    .map((r) => `${r.method.toLowerCase()} ${r.path.replaceAll(/:([^/]+)/g, "{$1}")}`);

describe("GET /api/openapi.json", () => {
  it("describes every route the case API serves, and nothing it does not", async () => {
    const res = await fetchDocument();
    expect(res.status).toBe(200);
    const doc: any = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "/api" }]);
    const described = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    expect(served()).toHaveLength(26);
    expect(described.sort()).toEqual(served().sort());
  });

  it("gives each route its answer's schema and the shared error shape for its refusals", async () => {
    const doc: any = await (await fetchDocument()).json();
    const view = doc.paths["/cases/{workflow}/{caseKey}"].get;
    expect(Object.keys(view.responses["200"].content["application/json"].schema.properties)).toEqual(
      expect.arrayContaining(["header", "wait", "events", "steps", "attempts", "decisions", "timeline"]),
    );
    const decide = doc.paths["/cases/{workflow}/{caseKey}/decisions"].post;
    expect(Object.keys(decide.requestBody.content["application/json"].schema.properties)).toEqual(
      expect.arrayContaining(["step", "decision", "actor", "note", "minutesSpent", "outcome"]),
    );
    expect(Object.keys(decide.responses).sort()).toEqual(
      ["200", "202", "400", "401", "403", "404", "409", "413", "415", "422", "503"].sort(),
    );
    const refusal = decide.responses["409"].content["application/json"].schema;
    expect(refusal.properties.error.required).toEqual(["code", "message"]);
    expect(decide.responses["409"].description).toContain("wait_ended");
    // A person may carry out an escalation's proposed action; a resolve must name a declared outcome.
    expect(decide.requestBody.content["application/json"].schema.properties.decision.enum).toEqual([
      "approve",
      "reject",
      "resolve",
      "retry",
      "carry-out",
    ]);
    expect(decide.responses["422"].description).toContain("outcome_not_declared");
  });

  it("is for callers with a key, like the rest of /api", async () => {
    const res = await fetchDocument({});
    expect(res.status).toBe(401);
    const body: any = await res.json();
    expect(body.error.code).toBe("missing_token");
  });
});
