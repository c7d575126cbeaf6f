-- One door per table. Every row of thread_events is written by append_thread_events and every row of outbox by
-- enqueue_outbox; record_inbound (the only writer of inbox rows) and commit_turn call them, and so does the C# side
-- (OutboxWriter, the turn's step writer) instead of an INSERT of its own. The item shapes are written in C# by
-- ThreadEventRows and OutboxRows only.
--
-- append_thread_events(thread, turn, events): events are [{id, role, content, at}], written in array order; turn is the
-- inbox row of the turn that wrote them (NULL for the person's own message). Returns how many were written.
--
-- enqueue_outbox(items, at): items are [{id, conversation_id, thread_id, channel, payload, expires_at}], queued Pending in
-- array order (delivery follows seq, per conversation). Returns how many were queued.
--
-- record_inbound also takes a schedule's firing now (item.scheduled = {user_id, conversation_id, title}), so a firing is
-- recorded through the same function as every channel's message (it used to insert its rows itself); commit_turn and
-- record_inbound are otherwise unchanged.

CREATE FUNCTION append_thread_events(p_thread uuid, p_turn uuid, p_events jsonb)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO thread_events (id, thread_id, role, content, created_at, turn_id)
    SELECT (e->>'id')::uuid, p_thread, e->>'role', e->'content', (e->>'at')::timestamptz, p_turn
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, n)
     ORDER BY n;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

CREATE FUNCTION enqueue_outbox(p_items jsonb, p_at timestamptz)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO outbox (id, conversation_id, thread_id, channel, payload, status, attempts, created_at, next_attempt_at, expires_at)
    SELECT (o->>'id')::uuid, (o->>'conversation_id')::uuid, (o->>'thread_id')::uuid, o->>'channel', o->'payload', 'Pending', 0,
           p_at, p_at, (o->>'expires_at')::timestamptz
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(o, n)
     ORDER BY n;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

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

        PERFORM append_thread_events(v_thread, NULL, jsonb_build_array(jsonb_build_object(
            'id', item->>'event_row_id', 'role', 'user', 'content', item->'content', 'at', item->>'at')));

        IF item ? 'outcome' THEN
            PERFORM append_thread_events(v_thread, v_inserted, jsonb_build_array(jsonb_build_object(
                'id', item->'outcome'->>'id', 'role', 'assistant', 'content', item->'outcome'->'content', 'at', item->'outcome'->>'at')));
            PERFORM enqueue_outbox(COALESCE(item->'outcome'->'outbox', '[]'::jsonb), v_at);
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
END;
$$;

CREATE OR REPLACE FUNCTION commit_turn(turn jsonb)
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

    PERFORM append_thread_events(v_thread, (turn->>'inbox_id')::uuid, turn->'events');
    SELECT COALESCE(max((e->>'at')::timestamptz), v_at) INTO v_last FROM jsonb_array_elements(turn->'events') AS e;

    PERFORM enqueue_outbox(turn->'outbox', v_at);

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
