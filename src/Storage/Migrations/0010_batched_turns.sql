-- Batched turns (issue 20). A turn worker now claims many threads in one statement and the turns of many threads
-- commit together in one call of commit_turns, so under load a turn costs a fraction of a write transaction instead of
-- eight to thirteen. The doors stay single:
--
-- append_thread_events(events) is now the set-based door of thread_events: each item names its own thread and turn
-- ([{id, thread_id, turn_id, role, content, at}]), so a batch of turns writes its events in one call. The three-argument
-- form (thread, turn, events) stays for callers that write one thread's events, and passes them through the new one.
--
-- commit_turns(at, lease, turns) commits many turns at once. Each turn item is
--   {inbox_id, thread_id, conversation_id, user_id, owner, status, error, title, last_at, release, new_thread_id,
--    events: [...items of append_thread_events...], outbox: [...items of enqueue_outbox...]}
-- A turn commits only if its inbox row is still pending and its worker (owner) still holds the thread's lease; the ids of
-- the turns that committed come back. A committed turn with release = true gives the thread's lease back in the same
-- transaction (the worker's last turn of that thread); otherwise the lease is extended.
--
-- record_inbound now gathers the thread events and outbox rows of its whole batch and passes them through the doors in
-- one call each (it called them once per message), and is otherwise unchanged. commit_turn (one turn) is dropped: the
-- turn processor only uses commit_turns.

CREATE FUNCTION append_thread_events(p_events jsonb)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO thread_events (id, thread_id, role, content, created_at, turn_id)
    SELECT (e->>'id')::uuid, (e->>'thread_id')::uuid, e->>'role', e->'content', (e->>'at')::timestamptz, (e->>'turn_id')::uuid
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, n)
     ORDER BY n;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

CREATE OR REPLACE FUNCTION append_thread_events(p_thread uuid, p_turn uuid, p_events jsonb)
RETURNS integer
LANGUAGE sql
AS $$
    SELECT append_thread_events(COALESCE(
        (SELECT jsonb_agg(e || jsonb_build_object('thread_id', p_thread, 'turn_id', p_turn) ORDER BY n)
           FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, n)),
        '[]'::jsonb));
$$;

CREATE FUNCTION commit_turns(p_at timestamptz, p_lease interval, p_turns jsonb)
RETURNS SETOF uuid
LANGUAGE plpgsql
AS $$
DECLARE
    v_ids     uuid[];
    v_threads uuid[];
    v_done    uuid[];
    v_events  jsonb;
    v_outbox  jsonb;
    v_new     record;
BEGIN
    -- Rows are found by key (= ANY of an array, and the lease by a scalar subquery): a join with the turns would let
    -- the planner, which cannot see how few turns the jsonb holds, scan the whole threads or inbox table instead.
    SELECT array_agg((x.turn->>'inbox_id')::uuid) INTO v_ids FROM jsonb_array_elements(p_turns) AS x(turn);

    -- The guard and the inbox rows' completion, for every turn at once.
    WITH t AS (
        SELECT (x.turn->>'inbox_id')::uuid AS inbox_id, (x.turn->>'thread_id')::uuid AS thread_id, x.turn->>'owner' AS owner,
               x.turn->>'status' AS status, x.turn->>'error' AS error
          FROM jsonb_array_elements(p_turns) AS x(turn)
    ), done AS (
        UPDATE inbox i SET status = t.status, processed_at = p_at, last_error = t.error
          FROM t
         WHERE i.id = ANY (v_ids) AND i.id = t.inbox_id AND i.status = 'Pending'
           AND (SELECT h.lease_owner FROM threads h WHERE h.id = t.thread_id) = t.owner
        RETURNING i.id)
    SELECT array_agg(id) INTO v_done FROM done;
    IF v_done IS NULL THEN
        RETURN;
    END IF;

    -- Events and outbox rows of the committed turns, in turn order, each through its table's door in one call.
    SELECT jsonb_agg(e.ev ORDER BY x.n, e.m) INTO v_events
      FROM jsonb_array_elements(p_turns) WITH ORDINALITY AS x(turn, n),
           jsonb_array_elements(x.turn->'events') WITH ORDINALITY AS e(ev, m)
     WHERE (x.turn->>'inbox_id')::uuid = ANY (v_done);
    IF v_events IS NOT NULL THEN
        PERFORM append_thread_events(v_events);
    END IF;

    SELECT jsonb_agg(o.item ORDER BY x.n, o.m) INTO v_outbox
      FROM jsonb_array_elements(p_turns) WITH ORDINALITY AS x(turn, n),
           jsonb_array_elements(x.turn->'outbox') WITH ORDINALITY AS o(item, m)
     WHERE (x.turn->>'inbox_id')::uuid = ANY (v_done);
    IF v_outbox IS NOT NULL THEN
        PERFORM enqueue_outbox(v_outbox, p_at);
    END IF;

    -- Each thread once: its last activity, a first title, and the lease extended or (after its worker's last turn) given back.
    SELECT array_agg(DISTINCT (x.turn->>'thread_id')::uuid) INTO v_threads
      FROM jsonb_array_elements(p_turns) AS x(turn)
     WHERE (x.turn->>'inbox_id')::uuid = ANY (v_done);
    UPDATE threads h
       SET updated_at = GREATEST(h.updated_at, u.last_at),
           title = COALESCE(h.title, u.title),
           lease_owner = CASE WHEN u.release THEN NULL ELSE h.lease_owner END,
           lease_until = CASE WHEN u.release THEN NULL ELSE now() + p_lease END
      FROM (SELECT (x.turn->>'thread_id')::uuid AS thread_id,
                   max((x.turn->>'last_at')::timestamptz) AS last_at,
                   (array_agg(x.turn->>'title' ORDER BY x.n) FILTER (WHERE x.turn->>'title' IS NOT NULL))[1] AS title,
                   bool_or(COALESCE((x.turn->>'release')::boolean, false)) AS release
              FROM jsonb_array_elements(p_turns) WITH ORDINALITY AS x(turn, n)
             WHERE (x.turn->>'inbox_id')::uuid = ANY (v_done)
             GROUP BY 1) u
     WHERE h.id = ANY (v_threads) AND h.id = u.thread_id;

    -- /new: the conversation's next messages go to a fresh thread.
    FOR v_new IN
        SELECT (x.turn->>'new_thread_id')::uuid AS id, (x.turn->>'user_id')::uuid AS user_id,
               (x.turn->>'conversation_id')::uuid AS conversation_id, (x.turn->>'last_at')::timestamptz AS at
          FROM jsonb_array_elements(p_turns) WITH ORDINALITY AS x(turn, n)
         WHERE (x.turn->>'inbox_id')::uuid = ANY (v_done) AND x.turn->>'new_thread_id' IS NOT NULL
         ORDER BY x.n
    LOOP
        INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at)
        VALUES (v_new.id, v_new.user_id, v_new.conversation_id, 'Active', v_new.at, v_new.at);
        UPDATE conversations SET current_thread_id = v_new.id WHERE id = v_new.conversation_id;
    END LOOP;

    RETURN QUERY SELECT unnest(v_done);
END;
$$;

DROP FUNCTION commit_turn(jsonb);

CREATE OR REPLACE FUNCTION record_inbound(items jsonb)
RETURNS TABLE (r_ord integer, r_inbox_id uuid, r_thread_id uuid, r_conversation_id uuid, r_user_id uuid, r_thread_event_id uuid, r_duplicate boolean)
LANGUAGE plpgsql
AS $$
DECLARE
    item        jsonb;
    v_at        timestamptz;
    v_user      uuid;
    v_conv      uuid;
    v_current   uuid;
    v_thread    uuid;
    v_resumed   uuid;
    v_inserted  uuid;
    v_reference jsonb;
    v_events    jsonb := '[]'::jsonb;
    v_outbox    jsonb := '[]'::jsonb;
BEGIN
    r_ord := 0;
    FOR item IN SELECT value FROM jsonb_array_elements(items) LOOP
        r_ord := r_ord + 1;
        v_at := (item->>'at')::timestamptz;

        -- A redelivery: answer with what the first delivery recorded.
        SELECT i.id, i.thread_id, i.conversation_id, i.user_id, i.thread_event_id
          INTO r_inbox_id, r_thread_id, r_conversation_id, r_user_id, r_thread_event_id
          FROM inbox i
         WHERE i.channel = item->>'channel' AND i.event_id = item->>'event_id';
        IF FOUND THEN
            r_duplicate := true;
            RETURN NEXT;
            CONTINUE;
        END IF;

        IF item ? 'scheduled' THEN
            -- A schedule's firing: the owner and the conversation are known, and the run gets a fresh thread titled
            -- after the schedule that the conversation does not point at (its current thread stays where it is). The
            -- conversation's "unreachable" mark is left alone: only the person writing clears it.
            v_user := (item->'scheduled'->>'user_id')::uuid;
            v_conv := (item->'scheduled'->>'conversation_id')::uuid;
            v_thread := (item->>'thread_id')::uuid;
            INSERT INTO threads (id, user_id, conversation_id, title, status, created_at, updated_at)
            VALUES (v_thread, v_user, v_conv, item->'scheduled'->>'title', 'Active', v_at, v_at);
        ELSE
            -- The user, by their identity on this channel.
            SELECT ci.user_id INTO v_user
              FROM channel_identities ci
             WHERE ci.channel = item->>'channel' AND ci.platform_user_id = item->>'platform_user_id';
            IF NOT FOUND THEN
                v_user := (item->>'user_id')::uuid;
                INSERT INTO users (id, display_name, created_at)
                VALUES (v_user, COALESCE(item->>'display_name', item->>'platform_user_id'), v_at);
                INSERT INTO channel_identities (id, user_id, channel, platform_user_id, display_name, created_at)
                VALUES ((item->>'identity_id')::uuid, v_user, item->>'channel', item->>'platform_user_id', item->>'display_name', v_at)
                ON CONFLICT (channel, platform_user_id) DO NOTHING
                RETURNING user_id INTO v_inserted;
                IF v_inserted IS NULL THEN
                    -- A concurrent first message created this identity first: use theirs.
                    DELETE FROM users WHERE id = v_user;
                    SELECT ci.user_id INTO STRICT v_user
                      FROM channel_identities ci
                     WHERE ci.channel = item->>'channel' AND ci.platform_user_id = item->>'platform_user_id';
                END IF;
            END IF;

            -- The conversation. DO UPDATE (not DO NOTHING) so the row comes back and stays locked until commit. A message
            -- from the conversation also means the bot can reach it again, so an "unreachable" mark is cleared.
            -- A message without a reference keeps the stored one. The row is rewritten only when something changed (most
            -- messages change nothing), but ON CONFLICT DO UPDATE locks it either way; when it was not rewritten, RETURNING
            -- gives nothing and the locked row is read.
            v_reference := NULLIF(item->'reference', 'null'::jsonb);
            INSERT INTO conversations (id, channel, address, reference, is_group, created_at)
            VALUES ((item->>'conversation_id')::uuid, item->>'channel', item->>'address',
                    COALESCE(v_reference, '{}'::jsonb), (item->>'is_group')::boolean, v_at)
            ON CONFLICT (channel, address) DO UPDATE
               SET reference = COALESCE(v_reference, conversations.reference),
                   unreachable_since = NULL, unreachable_reason = NULL
             WHERE (v_reference IS NOT NULL AND conversations.reference IS DISTINCT FROM v_reference)
                OR conversations.unreachable_since IS NOT NULL
            RETURNING id, current_thread_id INTO v_conv, v_current;
            IF NOT FOUND THEN
                SELECT c.id, c.current_thread_id INTO STRICT v_conv, v_current
                  FROM conversations c
                 WHERE c.channel = item->>'channel' AND c.address = item->>'address';
            END IF;

            -- The thread: the platform's own (thread key), the one a reply resumes, the conversation's current one, or a
            -- new one that becomes current.
            v_thread := NULL;
            IF item->>'thread_key' IS NOT NULL THEN
                INSERT INTO threads (id, user_id, conversation_id, thread_key, status, created_at, updated_at)
                VALUES ((item->>'thread_id')::uuid, v_user, v_conv, item->>'thread_key', 'Active', v_at, v_at)
                ON CONFLICT (conversation_id, thread_key) WHERE thread_key IS NOT NULL DO UPDATE SET updated_at = EXCLUDED.updated_at
                RETURNING id INTO v_thread;
            ELSE
                IF item->>'reply_to' IS NOT NULL THEN
                    SELECT o.thread_id INTO v_resumed
                      FROM outbox o
                     WHERE o.conversation_id = v_conv AND o.platform_message_id = item->>'reply_to' AND o.thread_id IS NOT NULL
                     ORDER BY o.seq DESC
                     LIMIT 1;
                    IF FOUND THEN
                        v_thread := v_resumed;
                        IF v_current IS DISTINCT FROM v_resumed THEN
                            UPDATE conversations SET current_thread_id = v_resumed WHERE id = v_conv;
                        END IF;
                    END IF;
                END IF;
                IF v_thread IS NULL AND v_current IS NOT NULL THEN
                    v_thread := v_current;
                END IF;
                IF v_thread IS NULL THEN
                    v_thread := (item->>'thread_id')::uuid;
                    INSERT INTO threads (id, user_id, conversation_id, status, created_at, updated_at)
                    VALUES (v_thread, v_user, v_conv, 'Active', v_at, v_at);
                    UPDATE conversations SET current_thread_id = v_thread WHERE id = v_conv;
                END IF;
            END IF;
        END IF;

        -- The inbox row first: if a concurrent delivery of the same event won, nothing else is written.
        v_inserted := NULL;
        INSERT INTO inbox (id, channel, event_id, thread_id, conversation_id, user_id, thread_event_id, payload, status, attempts, received_at, processed_at)
        VALUES ((item->>'inbox_id')::uuid, item->>'channel', item->>'event_id', v_thread, v_conv, v_user,
                (item->>'event_row_id')::uuid, item->'payload', CASE WHEN item ? 'outcome' THEN 'Done' ELSE 'Pending' END, 0, v_at,
                CASE WHEN item ? 'outcome' THEN v_at END)
        ON CONFLICT (channel, event_id) DO NOTHING
        RETURNING id INTO v_inserted;
        IF v_inserted IS NULL THEN
            SELECT i.id, i.thread_id, i.conversation_id, i.user_id, i.thread_event_id
              INTO STRICT r_inbox_id, r_thread_id, r_conversation_id, r_user_id, r_thread_event_id
              FROM inbox i
             WHERE i.channel = item->>'channel' AND i.event_id = item->>'event_id';
            r_duplicate := true;
            RETURN NEXT;
            CONTINUE;
        END IF;

        -- Gathered here, written through the doors once for the whole batch (below).
        v_events := v_events || jsonb_build_object(
            'id', item->>'event_row_id', 'thread_id', v_thread, 'turn_id', NULL, 'role', 'user', 'content', item->'content', 'at', item->>'at');

        IF item ? 'outcome' THEN
            v_events := v_events || jsonb_build_object(
                'id', item->'outcome'->>'id', 'thread_id', v_thread, 'turn_id', v_inserted, 'role', 'assistant',
                'content', item->'outcome'->'content', 'at', item->'outcome'->>'at');
            v_outbox := v_outbox || COALESCE(item->'outcome'->'outbox', '[]'::jsonb);
        END IF;

        IF item ? 'echo' THEN
            INSERT INTO directline_activities (conversation_address, activity_id, activity, created_at)
            VALUES (item->>'address', item->'echo'->>'activity_id', item->'echo'->'activity', v_at);
        END IF;

        r_inbox_id := v_inserted;
        r_thread_id := v_thread;
        r_conversation_id := v_conv;
        r_user_id := v_user;
        r_thread_event_id := (item->>'event_row_id')::uuid;
        r_duplicate := false;
        RETURN NEXT;
    END LOOP;

    IF jsonb_array_length(v_events) > 0 THEN
        PERFORM append_thread_events(v_events);
    END IF;
    IF jsonb_array_length(v_outbox) > 0 THEN
        PERFORM enqueue_outbox(v_outbox, (items->0->>'at')::timestamptz);
    END IF;
END;
$$;
