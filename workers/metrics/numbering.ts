/**
 * Exactness of numbered metric events. A case numbers its metric events 1, 2, 3… in its own storage, in the same
 * transaction as the transition they measure, and sends them in that order; the database keeps, per case, the highest
 * number applied (`metric_sequences`). Checked once per case and write instead of a unique key on every event (which
 * scattered each insert across the table's B-tree): events at or below the mark are redeliveries and skipped, the next
 * ones in order are applied and move the mark, and a run of events starting past the mark + 1 waits for the batch
 * before it (the queue delivers in any order), so nothing is applied out of order and nothing is dropped.
 */
import type { MetricBatch, MetricEvent } from "./facts.ts";

/**
 * Thrown by the writer after it committed what it could, when some batches' events follow a gap: an earlier batch of
 * the same case has not been written yet. `held` are the indexes (in the write's batches) to deliver again later;
 * every other batch of the write is stored. A caller that treats it as any failure stays exact: the rest of the
 * write, delivered again, is skipped as already applied.
 * @example
 * try { await writeMetricBatches(db, batches); } catch (e) { if (e instanceof MetricsGapError) retry(e.held); }
 */
export class MetricsGapError extends Error {
  constructor(
    readonly held: readonly number[],
    readonly cases: readonly string[],
  ) {
    super(
      `metric events of ${cases.length} case(s) wait for an earlier batch (${cases.slice(0, 3).join(", ")}${cases.length > 3 ? ", …" : ""}); ${held.length} batch(es) to deliver again`,
    );
    this.name = "MetricsGapError";
  }
}

/** A contiguous run of one case's event numbers in a write: applied whole from the mark on, or held whole. */
export interface NumberedRun {
  caseId: string;
  first: number;
  last: number;
  /** The write's batches holding events of this run (held together with it). */
  batches: Set<number>;
}

/**
 * The write's numbered events, each once (a number repeated in the write is the same event), in number order per
 * case, with the run each belongs to; and the events without a number (kept by their `(case_id, id)` key).
 */
export function planNumbered(batches: readonly MetricBatch[]): {
  numbered: { event: MetricEvent; run: NumberedRun }[];
  runs: NumberedRun[];
  unnumbered: MetricEvent[];
} {
  const byCase = new Map<string, Map<number, { event: MetricEvent; batch: number }>>();
  const unnumbered: MetricEvent[] = [];
  batches.forEach((b, batch) => {
    for (const event of b.events) {
      if (event.seq === undefined) {
        unnumbered.push(event);
        continue;
      }
      const seqs = byCase.get(event.caseId) ?? new Map<number, { event: MetricEvent; batch: number }>();
      byCase.set(event.caseId, seqs);
      if (!seqs.has(event.seq)) seqs.set(event.seq, { event, batch });
    }
  });
  const numbered: { event: MetricEvent; run: NumberedRun }[] = [];
  const runs: NumberedRun[] = [];
  for (const [caseId, seqs] of byCase) {
    let run: NumberedRun | null = null;
    for (const seq of [...seqs.keys()].sort((a, b) => a - b)) {
      const { event, batch } = seqs.get(seq)!;
      if (!run || seq !== run.last + 1) {
        run = { caseId, first: seq, last: seq, batches: new Set() };
        runs.push(run);
      }
      run.last = seq;
      run.batches.add(batch);
      numbered.push({ event, run });
    }
  }
  // A batch whose run is held but which also holds events of the same case in an applied run (never from a case
  // object: its batches are contiguous) is delivered again as a whole; its applied events are then skipped.
  return { numbered, runs, unnumbered };
}

/**
 * The SQL condition "this run continues its case's mark": the mark in `metric_sequences` (0 when none) lies between
 * the run's first number - 1 and its last number - 1, so the run holds mark + 1 and something past the mark. `caseId`,
 * `first` and `last` are SQL expressions over the run's row.
 */
export const continuesMark = (caseId: string, first: string, last: string): string =>
  `coalesce((SELECT m.seq FROM metric_sequences m WHERE m.case_id = ${caseId}), 0) BETWEEN (${first}) - 1 AND (${last}) - 1`;
