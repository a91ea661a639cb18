/**
 * A document's fields beside the application's: names compared without case, accents or word order (and with German
 * transliteration, `Müller` = `Mueller`), dates as dates whatever their format, the expiry against the case's clock.
 * The result is what a person needs to judge at a glance: the verdict, each difference in words, and both sides.
 */
import { type DocumentFields, isoDate, plain } from "./fields.ts";

/** What the application says about the applicant (the fields a document can confirm). */
export interface ApplicantFields {
  name: string;
  birthDate: string;
  address?: string;
}

/**
 * `match`: name and birth date agree and the document has not expired; `mismatch`: a field differs; `expired`: it
 * agrees but its expiry has passed; `unreadable`: it states no name or no birth date.
 */
export type DocumentVerdict = "match" | "mismatch" | "expired" | "unreadable";

export interface DocumentComparison {
  verdict: DocumentVerdict;
  /** Each difference in words, e.g. `name: the application says "Ada Byron", the document "Ada King"`. */
  differences: string[];
  /** Side by side, for the packet. */
  applicant: ApplicantFields;
  document: DocumentFields;
  /** The day the expiry was compared with (ISO). */
  checkedOn: string;
}

const german = (s: string) => s.replace(/ä/g, "ae").replace(/ö/g, "oe").replace(/ü/g, "ue");
const words = (s: string) =>
  s
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .split(/\s+/)
    .filter(Boolean)
    .sort()
    .join(" ");
/** Two spellings of one name: the same words, in any order, with or without accents (or spelt out, ü as ue). */
export function sameName(a: string, b: string): boolean {
  const forms = (s: string) => new Set([words(plain(s)), words(plain(german(s.toLowerCase())))]);
  const fa = forms(a);
  return [...forms(b)].some((f) => fa.has(f));
}

const sameText = (a: string, b: string) => words(plain(a)) === words(plain(b));

/**
 * @example
 * compareWithApplication({ name: "Ada Byron", birthDate: "1990-12-10" }, fields, "2026-12-01").verdict // "match"
 */
export function compareWithApplication(
  applicant: ApplicantFields,
  document: DocumentFields,
  today: string,
): DocumentComparison {
  const differences: string[] = [];
  const differ = (field: string, ours: string, theirs: string) =>
    differences.push(`${field}: the application says "${ours}", the document "${theirs}"`);
  const result = (verdict: DocumentVerdict): DocumentComparison => ({
    verdict,
    differences,
    applicant,
    document,
    checkedOn: today,
  });
  if (!document.name || !document.birthDate) {
    if (!document.name) differences.push("name: the document states none");
    if (!document.birthDate) differences.push("birth date: the document states none");
    return result("unreadable");
  }
  if (!sameName(applicant.name, document.name)) differ("name", applicant.name, document.name);
  if ((isoDate(applicant.birthDate) ?? applicant.birthDate) !== document.birthDate)
    differ("birth date", applicant.birthDate, document.birthDate);
  if (applicant.address && document.address && !sameText(applicant.address, document.address))
    differ("address", applicant.address, document.address);
  if (differences.length > 0) return result("mismatch");
  if (document.expiry) {
    const expiry = isoDate(document.expiry);
    if (!expiry) differences.push(`expiry: "${document.expiry}" is not a date`);
    else if (expiry < today) differences.push(`expiry: the document expired on ${expiry}, before ${today}`);
    if (differences.length > 0) return result("expired");
  }
  return result("match");
}
