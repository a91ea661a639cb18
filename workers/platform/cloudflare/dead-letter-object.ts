/**
 * Verified events that no workflow took, kept with the reason until someone replays them (for example after
 * deploying the workflow that should have taken them). One object; webhook floods are held back by the
 * per-source rate limit before they get here.
 */
import { DurableObject } from "cloudflare:workers";
import type { DeadLetter, DeadLetterInput, DeadLetterQuery, DeadLetterWithPayload } from "../../dead-letters/types.ts";
import type { Env } from "./env.ts";

export type { DeadLetter, DeadLetterQuery, DeadLetterWithPayload } from "../../dead-letters/types.ts";

export const DEAD_LETTERS_NAME = "dead-letters";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  reason TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  occurred_at INTEGER,
  payload TEXT NOT NULL,
  replayed_at INTEGER,
  replay_result TEXT,
  UNIQUE (source, event_id)
);
CREATE INDEX IF NOT EXISTS dead_letters_pending ON dead_letters (replayed_at, id);
`;

type Row = Record<string, SqlStorageValue>;

function toEntry(row: Row): DeadLetter {
  return {
    id: Number(row.id),
    source: String(row.source),
    eventId: String(row.event_id),
    type: String(row.type),
    reason: String(row.reason),
    receivedAt: Number(row.received_at),
    occurredAt: row.occurred_at === null ? null : Number(row.occurred_at),
    replayedAt: row.replayed_at === null ? null : Number(row.replayed_at),
    replayResult: row.replay_result === null ? null : JSON.parse(String(row.replay_result)),
  };
}

export class DeadLetterObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Keeps the event once per (source, event id); a sender's retry finds the existing entry. */
  async add(entry: DeadLetterInput): Promise<{ id: number; duplicate: boolean }> {
    const sql = this.ctx.storage.sql;
    const inserted = sql
      .exec<Row>(
        "INSERT INTO dead_letters (source, event_id, type, reason, received_at, occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, event_id) DO NOTHING RETURNING id",
        entry.source,
        entry.eventId,
        entry.type,
        entry.reason,
        entry.receivedAt,
        entry.occurredAt ?? null,
        JSON.stringify(entry.payload),
      )
      .toArray()[0];
    if (inserted) return { id: Number(inserted.id), duplicate: false };
    const existing = sql
      .exec<Row>("SELECT id FROM dead_letters WHERE source = ? AND event_id = ?", entry.source, entry.eventId)
      .one();
    return { id: Number(existing.id), duplicate: true };
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const where: string[] = [];
    const args: SqlStorageValue[] = [];
    if (query.source) {
      where.push("source = ?");
      args.push(query.source);
    }
    if ((query.status ?? "pending") === "pending") where.push("replayed_at IS NULL");
    if (query.status === "replayed") where.push("replayed_at IS NOT NULL");
    if (query.before) {
      where.push("id < ?");
      args.push(query.before);
    }
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const sql = `SELECT id, source, event_id, type, reason, received_at, occurred_at, replayed_at, replay_result FROM dead_letters ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`;
    return this.ctx.storage.sql
      .exec<Row>(sql, ...args)
      .toArray()
      .map(toEntry);
  }

  async get(id: number): Promise<DeadLetterWithPayload | null> {
    const row = this.ctx.storage.sql.exec<Row>("SELECT * FROM dead_letters WHERE id = ?", id).toArray()[0];
    return row ? { ...toEntry(row), payload: JSON.parse(String(row.payload)) } : null;
  }

  async markReplayed(id: number, result: unknown): Promise<void> {
    this.ctx.storage.sql.exec(
      "UPDATE dead_letters SET replayed_at = ?, replay_result = ? WHERE id = ?",
      Date.now(),
      JSON.stringify(result),
      id,
    );
  }
}
