-- Committing a turn in one round trip (message flow, step 7).
--
-- commit_turn(turn) first checks that the turn is still this worker's: the inbox row is still pending and the thread's
-- lease is held by the given owner. If not, it writes nothing and returns false (another worker owns the turn now).
-- Otherwise, in the caller's transaction, it marks the inbox row Done (or Failed, with the error), appends the turn's
-- thread events and outbox rows, touches the thread (updated_at, a proposed title, the lease), and on /new opens a new
-- thread that becomes the conversation's current one; it returns true.
--
-- turn: {inbox_id, thread_id, conversation_id, user_id, channel, owner, status, error, at, lease_seconds, title,
--        expires_at, events: [{id, role, content, at}], outbox: [{id, payload}], new_thread_id}

CREATE FUNCTION commit_turn(turn jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
DECLARE
    v_at      timestamptz := (turn->>'at')::timestamptz;
    v_thread  uuid := (turn->>'thread_id')::uuid;
    v_conv    uuid := (turn->>'conversation_id')::uuid;
    v_last    timestamptz := (turn->>'at')::timestamptz;
BEGIN
    UPDATE inbox SET status = turn->>'status', processed_at = v_at, last_error = turn->>'error'
     WHERE id = (turn->>'inbox_id')::uuid AND status = 'Pending'
       AND EXISTS (SELECT 1 FROM threads WHERE id = v_thread AND lease_owner = turn->>'owner');
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO thread_events (id, thread_id, role, content, created_at, turn_id)
    SELECT (e->>'id')::uuid, v_thread, e->>'role', e->'content', (e->>'at')::timestamptz, (turn->>'inbox_id')::uuid
      FROM jsonb_array_elements(turn->'events') AS e;
    SELECT COALESCE(max((e->>'at')::timestamptz), v_at) INTO v_last FROM jsonb_array_elements(turn->'events') AS e;

    INSERT INTO outbox (id, conversation_id, thread_id, channel, payload, status, attempts, created_at, next_attempt_at, expires_at)
    SELECT (o->>'id')::uuid, v_conv, v_thread, turn->>'channel', o->'payload', 'Pending', 0, v_at, v_at, (turn->>'expires_at')::timestamptz
      FROM jsonb_array_elements(turn->'outbox') WITH ORDINALITY AS x(o, n)
     ORDER BY n;

    UPDATE threads
       SET updated_at = v_last, title = COALESCE(title, turn->>'title'),
           lease_until = now() + make_interval(secs => (turn->>'lease_seconds')::double precision)
     WHERE id = v_thread;

    IF turn->>'new_thread_id' IS NOT NULL THEN
        INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at)
        VALUES ((turn->>'new_thread_id')::uuid, (turn->>'user_id')::uuid, v_conv, 'Active', v_last, v_last);
        UPDATE conversations SET current_thread_id = (turn->>'new_thread_id')::uuid WHERE id = v_conv;
    END IF;
    RETURN true;
END;
$$;
