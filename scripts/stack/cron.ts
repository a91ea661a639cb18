/**
 * Cloudflare's cron scheduler, stood in for locally: `wrangler dev` runs no cron triggers by itself, only on a request to
 * `/__scheduled?cron=<expression>` (with `--test-scheduled`). This fires each of wrangler.toml's `[triggers] crons` on
 * its schedule (minute and hour fields; day fields must be `*`), so `npm start` checks rollout guards every minute and
 * signs the audit manifest daily, as production does.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { ROOT } from "./services.ts";

/** The crons wrangler.toml declares. */
export function declaredCrons(configPath = join(ROOT, "wrangler.toml")): string[] {
  const config = parse(readFileSync(configPath, "utf8")) as { triggers?: { crons?: string[] } };
  return config.triggers?.crons ?? [];
}

/** Whether `expression` (minute hour * * *) is due at `at` (UTC, to the minute). */
export function cronDue(expression: string, at: Date): boolean {
  const [minute, hour, ...days] = expression.trim().split(/\s+/);
  if (days.some((d) => d !== "*")) return false;
  const matches = (field: string | undefined, value: number) =>
    field === "*" || (field ?? "").split(",").some((part) => Number(part) === value);
  return matches(minute, at.getUTCMinutes()) && matches(hour, at.getUTCHours());
}

/**
 * Fires the due crons at the start of every minute until stopped.
 * @example const cron = startLocalCron(worker.url, declaredCrons()); … cron.stop();
 */
export function startLocalCron(workerUrl: string, crons: readonly string[]): { stop(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    const now = new Date();
    // A failed trigger is the worker's to log; the next minute fires again.
    for (const cron of crons.filter((c) => cronDue(c, now)))
      fetch(`${workerUrl}/__scheduled?cron=${encodeURIComponent(cron)}`).catch(() => {});
    timer = setTimeout(tick, 60_000 - (Date.now() % 60_000));
  };
  timer = setTimeout(tick, 60_000 - (Date.now() % 60_000));
  return { stop: () => clearTimeout(timer) };
}
