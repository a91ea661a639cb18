/**
 * A local compliance service: sanctions/PEP screening shaped like OpenSanctions' `POST /match/{dataset}` (queries of
 * entities in, scored candidates out) and a document check (`POST /v1/documents/check`). Its watchlist is fixed so
 * scenarios are reproducible: an exact name is a hit, a shared surname with another first name is ambiguous.
 */
import { createSimulator, type Simulator } from "./kit.ts";

const WATCHLIST = [
  { id: "NK-ivan-petrov", caption: "Ivan Petrov", birthDate: "1961-04-12", topics: ["sanction"] },
  { id: "Q-maria-gomez", caption: "Maria Gomez", birthDate: "1975-09-30", topics: ["role.pep"] },
];
/** Formats a document check accepts, as a KYC vendor would. */
const ACCEPTED = new Set(["application/pdf", "image/jpeg", "image/png"]);
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

export function complianceSimulator(apiKey = "cmp_crossflow_local"): Simulator {
  const sim = createSimulator({ apiKey });
  sim.app.post("/match/:dataset", async (c) => {
    const body = (await c.req.json().catch(() => null)) as {
      queries?: Record<string, { schema?: string; properties?: { name?: string[]; birthDate?: string[] } }>;
    } | null;
    if (!body?.queries) return c.json({ detail: "queries is required" }, 400);
    const responses = Object.fromEntries(
      Object.entries(body.queries).map(([key, q]) => {
        const name = (q.properties?.name?.[0] ?? "").trim().toLowerCase();
        const birthDate = q.properties?.birthDate?.[0];
        const results = WATCHLIST.flatMap((entry) => {
          const listed = entry.caption.toLowerCase();
          const score =
            listed === name
              ? birthDate && birthDate !== entry.birthDate
                ? 0.82
                : 0.98
              : listed.split(" ").at(-1) === name.split(" ").at(-1)
                ? 0.71
                : 0;
          return score > 0
            ? [
                {
                  id: entry.id,
                  caption: entry.caption,
                  schema: "Person",
                  score,
                  match: score >= 0.95,
                  datasets: [c.req.param("dataset")],
                  properties: { birthDate: [entry.birthDate], topics: entry.topics },
                },
              ]
            : [];
        });
        return [key, { status: 200, results, total: { value: results.length, relation: "eq" }, query: q }];
      }),
    );
    return c.json({ responses, limit: 5 });
  });
  sim.app.post("/v1/documents/check", async (c) => {
    const doc = (await c.req.json().catch(() => null)) as {
      type?: string;
      fileName?: string;
      contentType?: string;
      sizeBytes?: number;
    } | null;
    if (!doc?.type || !doc.contentType) return c.json({ error: "type and contentType are required" }, 422);
    if (!ACCEPTED.has(doc.contentType))
      return c.json({ status: "rejected", reason: `unsupported format ${doc.contentType}; send a PDF, JPEG or PNG` });
    if ((doc.sizeBytes ?? 0) > MAX_DOCUMENT_BYTES)
      return c.json({ status: "rejected", reason: "file larger than 10 MB" });
    return c.json({ status: "accepted", type: doc.type });
  });
  return sim;
}
