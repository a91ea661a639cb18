/**
 * The document reader's own Worker (`crossflow-documents`, wrangler.toml beside this file): reads an uploaded PDF's
 * text with pdf.js (unpdf) and compares its fields with the application. It is a Worker of its own so that pdf.js,
 * about half of the gzipped size the case Worker would otherwise ship, is fetched and parsed only by the isolates that
 * read a document, never on a webhook's cold start (bench/RESULTS.md, "bundle").
 *
 * Reached only through the crossflow Worker's `DOCUMENTS` service binding, by Workers RPC (`env.DOCUMENTS.read(…)`):
 * it has no public route (`workers_dev = false`), and its `fetch` answers every request 404. The request is checked
 * with zod all the same: a binding is a trust boundary between two deployments that may be at different versions.
 * A request it cannot take is answered with a refusal, not thrown: Workers RPC hands a thrown error's class across as
 * a plain Error, and the caller must know the refusal is final.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { type DocumentReading, type DocumentReadRefusal, readChecked } from "../../../agent/documents/index.ts";

export default class DocumentReaderWorker extends WorkerEntrypoint {
  /**
   * Reads one upload (base64) and compares it with the applicant's fields on the case's day. An invalid request is
   * answered with a refusal (`{ error: { code: "invalid_request", message } }`), which the case's read step escalates.
   * @example
   * const reading = await env.DOCUMENTS.read({ contentBase64, applicant: { name, birthDate }, today: "2026-12-01" });
   */
  async read(request: unknown): Promise<DocumentReading | DocumentReadRefusal> {
    return readChecked(request);
  }

  /** No HTTP API: the reader is reached by RPC through the binding only. */
  override async fetch(): Promise<Response> {
    return Response.json(
      {
        error: {
          code: "not_found",
          message: "the document reader is reached through the DOCUMENTS service binding only",
        },
      },
      { status: 404 },
    );
  }
}
