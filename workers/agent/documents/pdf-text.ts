/**
 * Text out of a PDF with unpdf (pdf.js built for serverless runtimes): plain JavaScript on web-standard APIs, so the
 * same code reads documents on workerd and on Deno, with no native code. A scanned PDF (images only) has no text: it
 * reads as empty pages, and the caller treats it as unreadable.
 */
import { extractText } from "unpdf";

/** The most pages kept: an identity document is one or two; a longer file's text is not kept past this. */
export const MAX_PAGES = 10;

/** True when the bytes are a PDF, whatever the file was called or declared as. */
export const isPdf = (bytes: Uint8Array): boolean =>
  bytes.length > 4 && String.fromCharCode(...bytes.subarray(0, 5)) === "%PDF-";

/** Base64 (an email attachment's `content`, a form upload's) to bytes; null when it is not base64. */
export function base64Bytes(content: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(content.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * The text of each page, its lines joined by newlines.
 * @example
 * const pages = await pdfPages(bytes); // ["PASSPORT\nSurname: Byron\n…", "…"]
 */
export async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  // pdf.js takes ownership of (detaches) the buffer it is given, and unpdf closes the document after reading it.
  const { text } = await extractText(new Uint8Array(bytes), { mergePages: false });
  return text.slice(0, MAX_PAGES);
}
