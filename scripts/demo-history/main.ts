/**
 * `npm run demo:history` loads 30 days of demo history into the metrics database (refused when it already holds
 * cases, unless `--force`); `npm run demo:clear-history` removes it, and only it. `npm start` runs the load by itself
 * on an empty database (`DEMO_HISTORY=0` turns that off). Options: `--seed N` (default 18), `--days N` (default 30).
 * Env: TURSO_DATABASE_URL, TURSO_AUTH_TOKEN (default: the local stack's, from .dev.vars).
 */
import { fileURLToPath } from "node:url";
import { openDatabase } from "../../db/client.ts";
import { devVar } from "../dev-vars.ts";
import { generateHistory, HISTORY_DAYS } from "./generate.ts";
import { quietly } from "./quietly.ts";
import { clearHistory, databaseIsEmpty, storeHistory } from "./store.ts";

export const DEFAULT_SEED = 18;

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  const url = process.env.TURSO_DATABASE_URL ?? devVar("TURSO_DATABASE_URL");
  if (!url || (command !== "load" && command !== "clear")) {
    console.error("usage: tsx scripts/demo-history/main.ts load [--seed N] [--days N] [--force] | clear");
    console.error("(needs TURSO_DATABASE_URL, or `npm start` running, which writes it to .dev.vars)");
    process.exit(2);
  }
  const db = openDatabase({ url, authToken: process.env.TURSO_AUTH_TOKEN ?? devVar("TURSO_AUTH_TOKEN") });
  if (command === "clear") {
    const { cases } = await clearHistory(db);
    console.log(
      cases
        ? `demo history removed: ${cases} cases and their share of every figure (live cases untouched)`
        : "no demo history to remove",
    );
  } else {
    if (!process.argv.includes("--force") && !(await databaseIsEmpty(db))) {
      console.error(
        "the database already holds cases: the demo history is loaded only into an empty one (--force to add it anyway)",
      );
      process.exit(1);
    }
    const began = Date.now();
    const seed = Number(flag("--seed") ?? DEFAULT_SEED);
    const days = Number(flag("--days") ?? HISTORY_DAYS);
    const history = await quietly(() => generateHistory({ seed, end: began, days }));
    await storeHistory(db, history);
    console.log(
      `demo history loaded: ${history.cases.length} cases over ${days} days, run by the real workflows with their clock moved back (${((Date.now() - began) / 1000).toFixed(1)} s); remove it with npm run demo:clear-history`,
    );
  }
}
