-- The watch feed (GET /v1/watch): every event, and every status change recorded by the engine, becomes a
-- row of "changes" in commit order, and wakes listeners on channel byoc_changes.
-- Inserts serialise on a transaction-level advisory lock, so ids are handed out in commit order and a
-- client resuming after id N can never miss a change that committed later with a smaller id.
CREATE FUNCTION byoc_record_change(p_project uuid, p_name text, p_kind text, p_event bigint) RETURNS void AS $$
DECLARE new_id bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(1652125795);
  INSERT INTO changes (project_id, project_name, kind, event_id) VALUES (p_project, p_name, p_kind, p_event) RETURNING id INTO new_id;
  PERFORM pg_notify('byoc_changes', new_id::text);
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE FUNCTION byoc_event_change() RETURNS trigger AS $$
BEGIN
  PERFORM byoc_record_change(NEW.project_id, (SELECT name FROM projects WHERE id = NEW.project_id), 'event', NEW.id);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER events_change AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION byoc_event_change();
