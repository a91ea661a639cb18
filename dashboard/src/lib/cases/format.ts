/** How the case pages and the inbox say times and statuses. */

/** `2026-11-26 16:19:52 UTC`: exact, the same for everyone reading the page together. */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `3 min`, `2 h 5 min`, `1 d 4 h` for a span of milliseconds. */
export function span(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(Math.abs(ms) / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ""}`;
}

/** The SLA as people act on it: `due in 3 h` or `overdue by 20 min`. */
export function due(deadline: number | null, now: number): { text: string; overdue: boolean } {
  if (deadline === null) return { text: "no SLA", overdue: false };
  return deadline >= now
    ? { text: `due in ${span(deadline - now)}`, overdue: false }
    : { text: `overdue by ${span(now - deadline)}`, overdue: true };
}

/**
 * Which of its key's cases a case id names: `refund-dispute/customer:ana@…` is the key's first (1), and
 * `refund-dispute@2/customer:ana@…` its second (a returning customer's next incident). Workflow ids are kebab-case.
 */
export function seqOf(caseId: string): number {
  const match = /^[a-z0-9-]+@([1-9][0-9]*)\//.exec(caseId);
  return match ? Number(match[1]) : 1;
}

/** The case page's path; the case key is one encoded path segment (it holds `:`, `/`, `#`); `?seq=n` after the key's first case. */
export const casePath = (workflow: string, caseKey: string, caseId?: string): string => {
  const seq = caseId === undefined ? 1 : seqOf(caseId);
  return `/cases/${encodeURIComponent(workflow)}/${encodeURIComponent(caseKey)}${seq > 1 ? `?seq=${seq}` : ""}`;
};
