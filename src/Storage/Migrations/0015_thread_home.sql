-- The web app as the home of every thread (issue 16).
--
-- threads.archived_at: set by the person (PATCH /api/threads/{id}); archived threads leave the main list.
-- threads.schedule_id: the schedule whose run opened the thread (written by the firing, in its transaction). No foreign
--   key: the runs stay grouped under their schedule after the schedule is deleted (schedule_runs goes with it).
-- thread_events.search: the event's text as a full-text vector (English stemming), for search across a person's
--   messages and the bot's; generated, so every door that writes events fills it with nothing to change.
-- A Direct Line conversation bound to a thread is a web conversation whose current_thread_id is that thread: the
--   recorder already sends a conversation's messages to its current thread, so a web conversation opened for a
--   Telegram thread (or a scheduled run) continues that thread, and its replies go to the web conversation (the
--   turn's outbox rows follow the inbox row's conversation). The index finds the binding of a thread.

ALTER TABLE threads ADD COLUMN archived_at timestamptz;
ALTER TABLE threads ADD COLUMN schedule_id uuid;

UPDATE threads t SET schedule_id = r.schedule_id FROM schedule_runs r WHERE r.thread_id = t.id;

-- The main list: a person's threads that are neither archived nor scheduled runs, newest activity first.
CREATE INDEX ix_threads_user_listed ON threads (user_id, updated_at DESC, id DESC) WHERE archived_at IS NULL AND schedule_id IS NULL;
CREATE INDEX ix_threads_user_schedule ON threads (user_id, schedule_id, updated_at DESC) WHERE schedule_id IS NOT NULL;

CREATE INDEX ix_conversations_current_thread ON conversations (current_thread_id) WHERE current_thread_id IS NOT NULL;

ALTER TABLE thread_events ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE(content->>'text', ''))) STORED;
CREATE INDEX ix_thread_events_search ON thread_events USING gin (search);

-- Deleting a thread for real (DELETE /api/threads/{id}) removes its inbox and outbox rows; both were reached by thread
-- only through partial indexes. The run tracker's join of outbox rows to a run's thread uses the second one too.
CREATE INDEX ix_inbox_thread ON inbox (thread_id);
CREATE INDEX ix_outbox_thread ON outbox (thread_id) WHERE thread_id IS NOT NULL;
CREATE INDEX ix_schedule_runs_thread ON schedule_runs (thread_id) WHERE thread_id IS NOT NULL;
