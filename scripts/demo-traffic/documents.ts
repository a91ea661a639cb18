/**
 * Real small identity-document PDFs for simulated applicants and tests, made with pdf-lib (a dev dependency: the
 * Worker only reads PDFs). Text PDFs, as a phone's "scan to PDF" or an e-ID export makes them: labelled lines, one
 * or more pages, Helvetica.
 */
import { PDFDocument, StandardFonts } from "pdf-lib";

export interface PassportPdf {
  name: string;
  birthDate: string;
  number?: string;
  expiry?: string;
  address?: string;
  /** Spread the fields over two pages (a scan of both sides). */
  pages?: 1 | 2;
  /** Lines the applicant's document also carries (a remark, or text meant for a machine reader). */
  extraLines?: string[];
  title?: string;
}

/** Web-standard base64 (no Buffer), so Deno's tests make the same documents. */
const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

/**
 * A passport as a text PDF, base64 (what an upload's `content` carries) and its size.
 * @example
 * const pdf = await passportPdf({ name: "Ada Byron", birthDate: "10.12.1990", expiry: "2031-05-04" });
 * attachments.push({ filename: "passport.pdf", content_type: "application/pdf", size: pdf.size, content: pdf.base64 });
 */
export async function passportPdf(p: PassportPdf): Promise<{ base64: string; size: number }> {
  const [given, ...rest] = p.name.split(" ");
  const front = [
    p.title ?? "PASSPORT / REISEPASS / PASSEPORT",
    `Surname / Name: ${rest.join(" ") || given}`,
    `Given names / Vornamen: ${rest.length > 0 ? given : ""}`,
    `Date of birth / Geburtsdatum: ${p.birthDate}`,
    ...(p.extraLines ?? []),
  ];
  const back = [
    `Document no. / Passnummer: ${p.number ?? "C01X00T47"}`,
    `Date of expiry / Gültig bis: ${p.expiry ?? "2031-05-04"}`,
    ...(p.address ? [`Address / Anschrift: ${p.address}`] : []),
  ];
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pages = p.pages === 2 ? [front, back] : [[...front, ...back]];
  for (const lines of pages) {
    const page = doc.addPage([420, 300]);
    for (const [i, line] of lines.entries()) page.drawText(line, { x: 24, y: 264 - i * 18, size: 10, font });
  }
  const bytes = await doc.save();
  return { base64: toBase64(bytes), size: bytes.byteLength };
}
