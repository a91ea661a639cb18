/**
 * Compliance checks: sanctions/PEP screening against an OpenSanctions-style `/match` API
 * (https://api.opensanctions.org/#tag/Matching) and a document check. Both read only, so repeating them is safe.
 */
import { type ApiConfig, callApi, connectorSettings } from "../http.ts";

export interface ScreeningCandidate {
  id: string;
  caption: string;
  score: number;
  match: boolean;
  properties?: { birthDate?: string[]; topics?: string[] };
}

/** `clear`: no candidate; `hit`: a candidate the service itself calls a match; `ambiguous`: candidates to judge. */
export type ScreeningVerdict = { status: "clear" } | { status: "hit" | "ambiguous"; candidates: ScreeningCandidate[] };

export function complianceConfig(config: Readonly<Record<string, unknown>>): Omit<ApiConfig, "system"> {
  return connectorSettings(config, { key: "COMPLIANCE_API_KEY", baseUrl: "COMPLIANCE_API_BASE_URL" });
}

export function complianceClient(config: Omit<ApiConfig, "system">) {
  const api = { ...config, system: "compliance" };
  return {
    /** @example const verdict = await compliance.screen({ name: "Ada Lovelace", birthDate: "1815-12-10" }); */
    async screen(person: { name: string; birthDate?: string; nationality?: string }): Promise<ScreeningVerdict> {
      const properties = {
        name: [person.name],
        ...(person.birthDate ? { birthDate: [person.birthDate] } : {}),
        ...(person.nationality ? { nationality: [person.nationality] } : {}),
      };
      const res = await callApi<{ responses: Record<string, { results: ScreeningCandidate[] }> }>(
        api,
        "/match/default",
        { json: { queries: { applicant: { schema: "Person", properties } } } },
      );
      const candidates = res.responses.applicant?.results ?? [];
      if (candidates.length === 0) return { status: "clear" };
      return { status: candidates.some((c) => c.match) ? "hit" : "ambiguous", candidates };
    },
    /** @example const check = await compliance.checkDocument({ type: "passport", fileName: "p.pdf", contentType: "application/pdf", sizeBytes: 120_000 }); */
    checkDocument(doc: { type: string; fileName: string; contentType: string; sizeBytes: number }) {
      return callApi<{ status: "accepted" | "rejected"; reason?: string }>(api, "/v1/documents/check", { json: doc });
    },
  };
}
