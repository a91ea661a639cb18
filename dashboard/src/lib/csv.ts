/**
 * CSV for the dashboard's exports (RFC 4180: comma-separated, CRLF lines, fields quoted when they hold a comma, a
 * quote or a line break). A text field that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
 * prefixed with an apostrophe: case keys and exception names come from outside senders.
 */
export type CsvValue = string | number | boolean | null | undefined;

function field(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * @example
 * toCsv([["version", "cases"], [1, 40]]) // "version,cases\r\n1,40\r\n"
 */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((row) => `${row.map(field).join(",")}\r\n`).join("");
}

/** A link that downloads `rows` as a file, with no script: the CSV travels in the link itself (small tables only). */
export const csvHref = (rows: readonly (readonly CsvValue[])[]): string =>
  `data:text/csv;charset=utf-8,${encodeURIComponent(toCsv(rows))}`;
