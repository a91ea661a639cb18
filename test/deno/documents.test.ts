/**
 * Document reading on Deno: the same unpdf reader the Worker uses reads a real two-page text PDF (made with pdf-lib),
 * finds the applicant's fields, and finds an expired one expired against the case's clock.
 */
import { passportPdf } from "../../scripts/demo-traffic/documents.ts";
import { readDocument } from "../../workers/agent/documents/index.ts";
import { expectEqual } from "../contract/expect.ts";

const ada = { name: "Ada Byron", birthDate: "1990-12-10" };

Deno.test("reads a two-page text PDF's fields and compares them with the application", async () => {
  const pdf = await passportPdf({ name: "Ada Byron", birthDate: "10.12.1990", expiry: "2031-05-04", pages: 2 });
  const reading = await readDocument(pdf.base64, ada, "2026-12-01");
  expectEqual(reading.pages, 2, "pages read");
  expectEqual(
    reading.fields,
    {
      name: "Ada Byron",
      birthDate: "1990-12-10",
      documentNumber: "C01X00T47",
      expiry: "2031-05-04",
    },
    "fields",
  );
  expectEqual(reading.comparison.verdict, "match", "the applicant's document");
  const old = await passportPdf({ ...ada, expiry: "2025-01-31" });
  expectEqual((await readDocument(old.base64, ada, "2026-12-01")).comparison.verdict, "expired", "an expired document");
});
