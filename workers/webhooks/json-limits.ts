/**
 * Limits on the shape of a signed JSON body, checked on its text before `JSON.parse`, so a body that parses but can
 * never be stored and read back (the Durable Object's RPC, structured clone and JSON rendering all recurse, and give
 * up at a few thousand levels) is refused with a 400 instead of becoming a case nobody can open.
 */
import { ApiError } from "../errors.ts";

/**
 * Deepest nesting of arrays and objects a webhook body may have. Real senders stay far below it: Stripe events with
 * expanded objects reach about 8 levels, GitHub about 7, Slack's Block Kit about 10, HubSpot 3. 64 leaves room for any
 * of them growing, and stays far from where the runtime's recursive serialisers fail (thousands of levels).
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * The deepest nesting in `text` read as JSON, up to `limit + 1` (it stops counting there). Iterative, so a hostile
 * body cannot exhaust the stack, and it skips string contents, so brackets inside strings do not count. Text that is
 * not JSON gets some number; `JSON.parse` rejects it afterwards.
 * @example
 * jsonDepth('{"a":[1,{"b":"[[["}]}', 64) // → 3
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: the next one not escaped by an odd run of backslashes.
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end === -1) return deepest;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        i = end;
        if (slashes % 2 === 0) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Throws the 400 `payload_too_deep` when `text` nests deeper than {@link MAX_JSON_DEPTH}.
 * @example
 * assertJsonDepth(body); const value = JSON.parse(body);
 */
export function assertJsonDepth(text: string, what = "webhook body"): void {
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new ApiError(
      400,
      "payload_too_deep",
      `${what} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
}
