/**
 * The fields an identity document states (name, birth date, document number, expiry, address), read from its text
 * by their labels in the demo markets' languages. Dates come back as ISO `YYYY-MM-DD` whatever the document's format.
 * The text is the customer's: it is only searched for labelled values, never followed.
 */

export interface DocumentFields {
  name?: string;
  birthDate?: string;
  documentNumber?: string;
  expiry?: string;
  address?: string;
}

/** Lower case, no accents, `ß` as `ss`: how labels and names are compared. */
export const plain = (s: string): string =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ß/g, "ss")
    .toLowerCase()
    .trim();

type Label = keyof DocumentFields | "surname" | "givenNames";
/** Labels as they read after `plain`, longest first within a field so "date of birth" wins over "name". */
const LABELS: [Label, string[]][] = [
  [
    "birthDate",
    [
      "date of birth",
      "birth date",
      "geburtsdatum",
      "date de naissance",
      "fecha de nacimiento",
      "geboortedatum",
      "born",
    ],
  ],
  [
    "expiry",
    [
      "date of expiry",
      "expiry date",
      "expiration date",
      "expires",
      "expiry",
      "valid until",
      "gultig bis",
      "date d'expiration",
      "fecha de caducidad",
      "geldig tot",
    ],
  ],
  [
    "documentNumber",
    [
      "document number",
      "document no.",
      "document no",
      "passport number",
      "passport no.",
      "passport no",
      "id number",
      "dokumentennummer",
      "passnummer",
      "numero du document",
      "numero de documento",
      "documentnummer",
    ],
  ],
  [
    "givenNames",
    ["given names", "given name", "first names", "vornamen", "vorname", "prenoms", "prenom", "voornamen", "nombres"],
  ],
  ["surname", ["surname", "last name", "family name", "nachname", "nom de famille", "apellidos", "achternaam"]],
  ["address", ["address", "anschrift", "adresse", "direccion", "domicilio", "adres"]],
  ["name", ["full name", "name", "nom", "nombre", "naam"]],
];

const MONTHS: Record<string, number> = Object.fromEntries(
  [
    ["jan", "janv", "ene", "januar", "janvier", "enero", "januari"],
    ["feb", "fev", "fevr", "februar", "fevrier", "febrero", "februari"],
    ["mar", "mrz", "maerz", "marz", "mars", "marzo", "maart", "mrt"],
    ["apr", "avr", "abr", "april", "avril", "abril"],
    ["may", "mai", "mei", "mayo"],
    ["jun", "juin", "juni", "junio"],
    ["jul", "juil", "juli", "julio", "juillet"],
    ["aug", "aout", "ago", "august", "agosto", "augustus"],
    ["sep", "sept", "september", "septembre", "septiembre"],
    ["oct", "okt", "october", "oktober", "octobre", "octubre"],
    ["nov", "november", "novembre", "noviembre"],
    ["dec", "dez", "dic", "december", "dezember", "decembre", "diciembre"],
  ].flatMap((names, i) => names.map((n) => [n, i + 1] as const)),
);

const pad = (n: number) => String(n).padStart(2, "0");
const iso = (y: number, m: number, d: number): string | undefined => {
  const date = new Date(Date.UTC(y, m - 1, d));
  return y > 1900 && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? `${y}-${pad(m)}-${pad(d)}` : undefined;
};

/**
 * A date as ISO `YYYY-MM-DD`: `1990-12-10`, `10.12.1990`, `10/12/1990` (day first, as in Europe), `10 Dec 1990`,
 * `10 décembre 1990`; undefined when it is none of these.
 * @example isoDate("10.12.1990") // "1990-12-10"
 */
export function isoDate(text: string): string | undefined {
  const s = plain(text);
  let m = /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/.exec(s);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b/.exec(s);
  if (m) return iso(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /\b(\d{1,2})\.?\s+([a-z]+)\.?\s+(\d{4})\b/.exec(s);
  const month = m ? MONTHS[m[2]!] : undefined;
  return m && month ? iso(Number(m[3]), month, Number(m[1])) : undefined;
}

/** The label a line starts with and the value after it (`Label: value`, `Label / Libellé: value`). */
function labelled(line: string): [Label, string] | undefined {
  const colon = line.indexOf(":");
  if (colon < 0) return undefined;
  const value = line.slice(colon + 1).trim();
  // A bilingual label ("Surname / Nom") is matched by any of its parts.
  const parts = plain(line.slice(0, colon))
    .split("/")
    .map((p) => p.trim());
  for (const [field, names] of LABELS)
    if (parts.some((p) => names.includes(p))) return value ? [field, value] : undefined;
  return undefined;
}

/**
 * The fields a document's text states; the first value of each label counts.
 * @example
 * documentFields("Surname: Byron\nGiven names: Ada\nDate of birth: 10.12.1990")
 * // { name: "Ada Byron", birthDate: "1990-12-10" }
 */
export function documentFields(text: string): DocumentFields {
  const found: Partial<Record<Label, string>> = {};
  for (const line of text.split(/\r?\n/)) {
    const hit = labelled(line);
    if (hit && found[hit[0]] === undefined) found[hit[0]] = hit[1].replace(/\s+/g, " ");
  }
  const name = found.name ?? ([found.givenNames, found.surname].filter(Boolean).join(" ") || undefined);
  const fields: DocumentFields = {
    name,
    birthDate: found.birthDate ? (isoDate(found.birthDate) ?? found.birthDate) : undefined,
    documentNumber: found.documentNumber,
    expiry: found.expiry ? (isoDate(found.expiry) ?? found.expiry) : undefined,
    address: found.address,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as DocumentFields;
}
