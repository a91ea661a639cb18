-- Every agent step's metric event names its model: keep the latest sighting per workflow version and model, so the
-- dashboard can say which model decides (and when it is the offline rules) without reading the raw log.
CREATE TRIGGER `metric_events_agent_model` AFTER INSERT ON `metric_events`
WHEN NEW.kind = 'step.completed' AND json_extract(NEW.detail, '$.model') IS NOT NULL BEGIN
  INSERT INTO agent_models (workflow_id, workflow_version, model, last_seen_at)
  VALUES (NEW.workflow_id, NEW.workflow_version, json_extract(NEW.detail, '$.model'), NEW.at)
  ON CONFLICT (workflow_id, workflow_version, model) DO UPDATE SET last_seen_at = max(last_seen_at, excluded.last_seen_at);
END;
--> statement-breakpoint
INSERT INTO agent_models (workflow_id, workflow_version, model, last_seen_at)
SELECT workflow_id, workflow_version, json_extract(detail, '$.model'), max(at) FROM metric_events
WHERE kind = 'step.completed' AND json_extract(detail, '$.model') IS NOT NULL GROUP BY 1, 2, 3;
