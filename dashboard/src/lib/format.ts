/** How figures read on the dashboard: one place, so every page says a rate or a duration the same way. */

export const percent = (r: number | null | undefined): string =>
  r === null || r === undefined ? "–" : `${(r * 100).toFixed(1)} %`;

/**
 * Minutes at the resolution the KPIs report (minutes, quarter hours, hours) as `45 min`, `2 h 15 min`, `3 d 4 h`;
 * the first bucket (0: less than a minute, buckets round down) as `under 1 min`, never a bare "0 min".
 */
export function duration(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return "–";
  if (minutes === 0) return "under 1 min";
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  const hours = Math.floor(minutes / 60);
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ""}`;
}

export const hours = (h: number): string => `${h.toLocaleString("en-US", { maximumFractionDigits: 1 })} h`;
export const count = (n: number): string => n.toLocaleString("en-US");

/** Period-over-period change of a rate in percentage points, or of an amount in percent. */
export function change(
  now: number | null,
  before: number | null,
  kind: "rate" | "amount",
): { text: string; direction: "up" | "down" | "flat" } | null {
  if (now === null || before === null) return null;
  if (kind === "rate") {
    const pp = (now - before) * 100;
    return {
      text: `${pp >= 0 ? "+" : ""}${pp.toFixed(1)} pp`,
      direction: Math.abs(pp) < 0.05 ? "flat" : pp > 0 ? "up" : "down",
    };
  }
  if (before === 0) return now === 0 ? { text: "±0", direction: "flat" } : { text: "new", direction: "up" };
  const rel = ((now - before) / before) * 100;
  return {
    text: `${rel >= 0 ? "+" : ""}${rel.toFixed(0)} %`,
    direction: Math.abs(rel) < 0.5 ? "flat" : rel > 0 ? "up" : "down",
  };
}

export const isoDay = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
