/** The case API's description as the Worker serves it inside workerd (the unit test beside it covers its content). */
import { describe, expect, it } from "vitest";
import { api } from "./helpers.ts";

describe("GET /api/openapi.json in the Worker", () => {
  it("answers the case API's OpenAPI 3.1 document to a caller with a key", async () => {
    const { status, body } = await api("/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    expect(Object.keys(body.paths)).toContain("/cases/{workflow}/{caseKey}/decisions");
  });

  it("refuses a caller without one", async () => {
    const { status, body } = await api("/openapi.json", {}, "");
    expect(status).toBe(401);
    expect(body.error.code).toBe("missing_token");
  });
});
