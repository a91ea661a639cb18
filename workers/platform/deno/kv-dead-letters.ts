/**
 * Dead letters on Deno KV: the same contract as the dead-letter Durable Object (one entry per source and event
 * id, ids ascending, newest first, pending or replayed), with payloads stored in parts.
 */
import type { DeadLetter, DeadLetterInput, DeadLetterQuery, DeadLetterWithPayload } from "../../dead-letters/types.ts";
import type { DeadLetterStore } from "../../http/index.ts";
import { readRecords, writeParts } from "./kv-records.ts";

const SEQ: Deno.KvKey = ["dead-letter-seq"];
const entryKey = (id: number): Deno.KvKey => ["dead-letter", id];
const indexKey = (source: string, eventId: string): Deno.KvKey => ["dead-letter-by-event", source, eventId];
const payloadKey = (id: number): Deno.KvKey => ["dead-letter-payload", id];

export function kvDeadLetters(kv: Deno.Kv, now: () => number = Date.now): DeadLetterStore {
  return {
    async add(input: DeadLetterInput) {
      // Optimistic: retried when another writer took the next id or the same event first.
      for (;;) {
        const [seq, existing] = await kv.getMany<[number, number]>([SEQ, indexKey(input.source, input.eventId)]);
        if (existing.value !== null) return { id: existing.value, duplicate: true };
        const id = (seq.value ?? 0) + 1;
        const entry: DeadLetter = {
          id,
          source: input.source,
          eventId: input.eventId,
          type: input.type,
          reason: input.reason,
          receivedAt: input.receivedAt,
          occurredAt: input.occurredAt ?? null,
          replayedAt: null,
          replayResult: null,
        };
        const op = kv
          .atomic()
          .check(seq)
          .check(existing)
          .set(SEQ, id)
          .set(entryKey(id), entry)
          .set(indexKey(input.source, input.eventId), id);
        writeParts(op, payloadKey(id), JSON.stringify(input.payload ?? null), 0);
        if ((await op.commit()).ok) return { id, duplicate: false };
      }
    },

    async list(query: DeadLetterQuery) {
      const status = query.status ?? "pending";
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
      const found: DeadLetter[] = [];
      const end = query.before ? { end: entryKey(query.before) } : {};
      for await (const { value } of kv.list<DeadLetter>({ prefix: ["dead-letter"], ...end }, { reverse: true })) {
        if (query.source && value.source !== query.source) continue;
        if (status === "pending" && value.replayedAt !== null) continue;
        if (status === "replayed" && value.replayedAt === null) continue;
        found.push(value);
        if (found.length === limit) break;
      }
      return found;
    },

    async get(id: number): Promise<DeadLetterWithPayload | null> {
      const entry = (await kv.get<DeadLetter>(entryKey(id))).value;
      if (!entry) return null;
      const [payload] = await readRecords(kv, payloadKey(id));
      return { ...entry, payload: payload ? JSON.parse(payload.json) : null };
    },

    async markReplayed(id: number, result: unknown) {
      const current = await kv.get<DeadLetter>(entryKey(id));
      if (!current.value) return;
      await kv.set(entryKey(id), { ...current.value, replayedAt: now(), replayResult: result });
    },
  };
}
