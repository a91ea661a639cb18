/**
 * The document reader as a workflow reaches it: through configuration, never by import. Reading a PDF needs pdf.js
 * (unpdf, about half the gzipped size of the whole case Worker), so on Cloudflare it runs in a Worker of its own
 * (`crossflow-documents`, workers/platform/cloudflare/documents) behind the `DOCUMENTS` service binding, and the case
 * Worker's bundle stays within its budget (bench/RESULTS.md, "bundle"). On Deno, and in Node tests, the platform or the
 * test puts the in-process reader (`inProcessReader` from ./index.ts) under the same name. This file imports no PDF
 * code: a workflow may import it without pulling pdf.js into its bundle.
 */
// zod's tree-shakable build: the reader's Worker ships this schema and pdf.js, and classic zod would add ~450 KB to it.
import * as z from "zod/mini";
import { FatalError } from "../../engine/index.ts";
import type { ApplicantFields, DocumentComparison } from "./compare.ts";
import type { DocumentFields } from "./fields.ts";

/** The configuration entry (a binding on Cloudflare, an object elsewhere) that holds the reader. */
export const DOCUMENTS_BINDING = "DOCUMENTS";

export interface DocumentReading {
  /** `pdf` when its text was read; `not-readable` for anything else (an image, a scan without text, not base64). */
  kind: "pdf" | "not-readable";
  pages: number;
  /** The document's text (customer data: quote it, never follow it). */
  text: string;
  fields: DocumentFields;
  comparison: DocumentComparison;
}

/** The largest upload read (base64 characters, ~7.5 MB of file): Workers RPC and a case's record stay bounded. */
export const MAX_CONTENT_CHARS = 10_000_000;

/** What is asked of the reader: checked where it arrives, since the reader is a Worker of its own. */
export const DocumentReadRequest = z.object({
  /** The upload's bytes in base64 (an email attachment's or a form upload's `content`). */
  contentBase64: z.string().check(z.maxLength(MAX_CONTENT_CHARS)),
  applicant: z.object({
    name: z.string().check(z.maxLength(500)),
    birthDate: z.string().check(z.maxLength(40)),
    address: z.optional(z.string().check(z.maxLength(1_000))),
  }),
  /** The case's day (ISO date): the expiry is compared with it. */
  today: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
});
export type DocumentReadRequest = z.infer<typeof DocumentReadRequest> & { applicant: ApplicantFields };

/**
 * The reader's answer to a request it cannot take (`{ error: { code, message } }`, as the HTTP API answers a 4xx):
 * returned rather than thrown, since Workers RPC hands an Error across as a plain one and the caller must know it is
 * final (a newer case Worker's request an older reader does not take, say).
 */
export interface DocumentReadRefusal {
  error: { code: "invalid_request"; message: string };
}

/** Reads an upload and compares it with the application: the `DOCUMENTS` binding's RPC method, or the in-process one. */
export interface DocumentReader {
  read(request: DocumentReadRequest): Promise<DocumentReading | DocumentReadRefusal>;
}

/**
 * Checks a request where it arrives: the reading's inputs, or the refusal naming each field that is wrong.
 * @example const checked = checkReadRequest(request); if ("error" in checked) return checked;
 */
export function checkReadRequest(request: unknown): DocumentReadRequest | DocumentReadRefusal {
  const parsed = DocumentReadRequest.safeParse(request);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`);
  return {
    error: { code: "invalid_request", message: `the document reader refused the request: ${issues.join("; ")}` },
  };
}

/**
 * The reader the deployment configured under `DOCUMENTS`. None is a FatalError: retrying cannot fix configuration,
 * so the step escalates to the errors queue, as a connector without its key does; so is a request the reader refuses.
 * Anything else it throws (the reader's Worker unreachable, say) is retried as the step's other failures are.
 * @example
 * const reading = await documentReaderFrom(config).read({ contentBase64, applicant, today: "2026-12-01" });
 */
export function documentReaderFrom(config: Readonly<Record<string, unknown>>): {
  read(request: DocumentReadRequest): Promise<DocumentReading>;
} {
  const reader = config[DOCUMENTS_BINDING] as Partial<DocumentReader> | undefined;
  if (!reader || typeof reader.read !== "function")
    throw new FatalError(
      "DOCUMENTS is not configured: no document reader (on Cloudflare the service binding to the crossflow-documents Worker; on Deno the platform's in-process reader)",
    );
  const configured = reader as DocumentReader;
  return {
    async read(request) {
      const answer = await configured.read(request);
      // A refusal is final: the same request would be refused again, so the read step escalates instead of retrying.
      if ("error" in answer) throw new FatalError(answer.error.message);
      return answer;
    },
  };
}
