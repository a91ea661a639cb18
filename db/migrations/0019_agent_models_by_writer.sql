-- The metrics writer (workers/metrics/sink.ts) keeps `agent_models` itself, one statement per transaction with the
-- latest sighting per workflow version and model of the whole write, instead of this trigger evaluating
-- json_extract on every inserted event (bench/RESULTS.md: the trigger cost about a sixth of the writer's time).
-- The writer is the only path that inserts metric events; a sighting is a max, so a redelivery changes nothing.
DROP TRIGGER IF EXISTS `metric_events_agent_model`;
