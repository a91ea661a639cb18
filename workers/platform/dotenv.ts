/**
 * `.dev.vars` / `.env` syntax as `wrangler dev` reads it: the same parser wrangler uses (dotenv 16), so quotes
 * (single, double, backtick), `#` comments (whole-line and after an unquoted value), `export ` prefixes and
 * multi-line quoted values mean here what they mean to wrangler. Runs under Node and Deno (the Deno entry reads
 * `.dev.vars` with it). Variable expansion (`${OTHER}`) is not applied, as before.
 */
import { parse } from "dotenv";

export function parseDotenv(text: string): Record<string, string> {
  return parse(text);
}
