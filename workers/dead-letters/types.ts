/** A verified event no workflow took, as every dead-letter store keeps it. */
export interface DeadLetter {
  id: number;
  source: string;
  eventId: string;
  type: string;
  reason: string;
  receivedAt: number;
  occurredAt: number | null;
  replayedAt: number | null;
  replayResult: unknown;
}

export interface DeadLetterWithPayload extends DeadLetter {
  payload: unknown;
}

export interface DeadLetterQuery {
  source?: string;
  status?: "pending" | "replayed" | "all";
  limit?: number;
  /** Only entries with a smaller id (pagination, newest first). */
  before?: number;
}

/** A verified event no workflow took, on its way into a dead-letter store. */
export interface DeadLetterInput {
  source: string;
  eventId: string;
  type: string;
  reason: string;
  receivedAt: number;
  occurredAt?: number;
  payload: unknown;
}

export interface DeadLetterSink {
  add(entry: DeadLetterInput): Promise<{ id: number; duplicate: boolean }>;
}
