/**
 * Reading an uploaded document: its text (PDF), the fields it states, and how they compare with the application.
 * Web-standard APIs only, so it runs wherever the engine does (workerd, Deno, Node). It carries pdf.js: only the
 * document reader's own Worker (workers/platform/cloudflare/documents), the Deno platform and tests import it;
 * workflows reach it through configuration (./reader.ts).
 */
import { type ApplicantFields, compareWithApplication } from "./compare.ts";
import { documentFields } from "./fields.ts";
import { base64Bytes, isPdf, pdfPages } from "./pdf-text.ts";
import { checkReadRequest, type DocumentReader, type DocumentReading, type DocumentReadRefusal } from "./reader.ts";

export { type ApplicantFields, compareWithApplication, type DocumentComparison, sameName } from "./compare.ts";
export { type DocumentFields, documentFields, isoDate } from "./fields.ts";
export { base64Bytes, isPdf, MAX_PAGES, pdfPages } from "./pdf-text.ts";
export {
  checkReadRequest,
  DOCUMENTS_BINDING,
  type DocumentReader,
  type DocumentReading,
  type DocumentReadRefusal,
  DocumentReadRequest,
  documentReaderFrom,
  MAX_CONTENT_CHARS,
} from "./reader.ts";

/** The longest document text kept (characters): enough for an identity document, bounded for the case's record. */
export const MAX_TEXT_CHARS = 8_000;

/**
 * Reads a base64 upload and compares it with the application, on `today` (ISO, the case's clock).
 * @example
 * const reading = await readDocument(upload.content, { name: "Ada Byron", birthDate: "1990-12-10" }, "2026-12-01");
 * if (reading.comparison.verdict === "match") accept();
 */
export async function readDocument(
  contentBase64: string,
  applicant: ApplicantFields,
  today: string,
): Promise<DocumentReading> {
  const bytes = base64Bytes(contentBase64);
  let pages: string[] = [];
  if (bytes && isPdf(bytes)) {
    try {
      pages = await pdfPages(bytes);
    } catch {
      pages = []; // a damaged PDF reads as no text: unreadable, asked for again like a wrong format
    }
  }
  const text = pages.join("\n").slice(0, MAX_TEXT_CHARS);
  const fields = documentFields(text);
  return {
    kind: text.trim() ? "pdf" : "not-readable",
    pages: pages.length,
    text,
    fields,
    comparison: compareWithApplication(applicant, fields, today),
  };
}

/**
 * A request as the reader takes it, from wherever it came (the reader's Worker over RPC, in process): checked, then
 * read, or refused with the fields that are wrong.
 * @example const answer = await readChecked(request); // a DocumentReading, or { error: { code: "invalid_request", … } }
 */
export async function readChecked(request: unknown): Promise<DocumentReading | DocumentReadRefusal> {
  const checked = checkReadRequest(request);
  if ("error" in checked) return checked;
  return readDocument(checked.contentBase64, checked.applicant, checked.today);
}

/**
 * The reader in this process, for a platform or a test to put under `DOCUMENTS` in the configuration (the Deno
 * server does; on Cloudflare the binding to the reader's own Worker stands there, answering the same way).
 * @example
 * const config = { ...env, DOCUMENTS: inProcessReader };
 */
export const inProcessReader: DocumentReader = { read: readChecked };
