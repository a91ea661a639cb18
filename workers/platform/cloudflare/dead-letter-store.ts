/** The dead-letter Durable Object behind the dead-letter store port (unroutable events, refused metric batches). */

import type { DeadLetter, DeadLetterWithPayload } from "../../dead-letters/types.ts";
import type { DeadLetterStore } from "../../http/index.ts";
import { DEAD_LETTERS_NAME } from "./dead-letter-object.ts";
import type { Env } from "./env.ts";

/** Stubs are made per call: a stub belongs to the request that created it and cannot serve another. */
export function deadLetterStore(env: Env): DeadLetterStore {
  const stub = () => env.DEAD_LETTERS.getByName(DEAD_LETTERS_NAME);
  return {
    add: (entry) => stub().add(entry),
    list: (query) => stub().list(query) as Promise<DeadLetter[]>,
    get: (id) => stub().get(id) as Promise<DeadLetterWithPayload | null>,
    markReplayed: (id, result) => stub().markReplayed(id, result),
  };
}
