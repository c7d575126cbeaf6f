-- Agent memory: a rolling summary per thread, and the turn each event belongs to.

-- Older events folded into a summary; events at or before summary_through are represented only by it.
ALTER TABLE threads ADD COLUMN summary text;
ALTER TABLE threads ADD COLUMN summary_through timestamptz;

-- The inbox row (turn) that produced an event: a turn resumed after a crash finds its own earlier steps.
ALTER TABLE thread_events ADD COLUMN turn_id uuid;
CREATE INDEX ix_thread_events_turn ON thread_events (turn_id) WHERE turn_id IS NOT NULL;

-- Memory is listed newest first and de-duplicated per user.
CREATE UNIQUE INDEX ux_user_memories_user_content ON user_memories (user_id, lower(content));
