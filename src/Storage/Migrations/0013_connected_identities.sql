-- Connected identities (issue 15): one person behind several channel accounts.
--
-- /connect gives a one-time code (connect_codes: only its SHA-256 is stored, valid 10 minutes, spent once);
-- /connect CODE from another account joins the two users: merge_users moves every row of the issuing user (absorbed)
-- to the redeeming user (survivor) and deletes the absorbed user, in the caller's transaction. Wrong codes are counted
-- per account and overall (connect_failures) to rate-limit guessing. /disconnect CHANNEL splits that channel's
-- accounts off into a fresh user again (split_identities).
--
-- Concurrency. Both functions hold the user rows they change FOR UPDATE (merge_users: both users in id order, the
-- survivor FOR NO KEY UPDATE, so its own messages keep flowing). Writers reach a user through a foreign key, which
-- takes a key share on the user row: a writer for the absorbed user waits for the join and then fails on the foreign
-- key instead of writing a row the delete would cascade away. Two doors are redefined for it:
--   record_inbound follows an identity to its user under that key share (a message arriving during a join is recorded
--   for the survivor, one arriving during a split for the account's new user);
--   commit_turns does not commit a turn whose user no longer exists: a turn that was running for the absorbed user is
--   run again as the survivor (its inbox row was re-pointed and is still pending), so it is neither lost nor answered
--   twice. Both are 0010's functions with those lines added.

CREATE TABLE connect_codes (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The account that asked for it (channel_identities.id): redeeming from that same account is refused.
    identity_id       uuid NOT NULL,
    code_hash         text NOT NULL,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    spent_at          timestamptz,
    -- joined (redeemed), replaced (a newer code for the same account), voided (shown in a group chat, or its user was
    -- joined into another before it was used).
    spent_reason      text,
    spent_by_user_id  uuid,
    -- The turn (inbox row) that redeemed it: the same turn run again after a crash answers as it did the first time.
    spent_by_turn_id  uuid,
    CONSTRAINT ux_connect_codes_hash UNIQUE (code_hash)
);
CREATE INDEX ix_connect_codes_user ON connect_codes (user_id);
CREATE INDEX ix_connect_codes_identity_live ON connect_codes (identity_id) WHERE spent_at IS NULL;
CREATE INDEX ix_connect_codes_created ON connect_codes (created_at);

-- One row per wrong, expired or spent code sent with /connect CODE, per account (not per user: joins do not reset it).
CREATE TABLE connect_failures (
    id                uuid PRIMARY KEY,
    channel           text NOT NULL,
    platform_user_id  text NOT NULL,
    at                timestamptz NOT NULL
);
CREATE INDEX ix_connect_failures_account ON connect_failures (channel, platform_user_id, at);
CREATE INDEX ix_connect_failures_at ON connect_failures (at);

-- Moves everything of p_absorbed to p_survivor and deletes p_absorbed; returns what it did (also written to audit_log),
-- or NULL when either user no longer exists (a concurrent join took it). Rules for the tables with one row per user
-- come first; then every column with a foreign key to users(id), found in pg_catalog (so tables added later are moved
-- too; one that is unique per user fails the join with its name until it gets a rule here).
--   time zone:   the survivor's when it has one, else the absorbed user's (the other is kept in the audit entry)
--   memories:    both sets; a memory whose text the survivor already has (case-insensitive) is collapsed into the survivor's
--   paper broker: one account: cash added together, positions in the same symbol combined (quantities added, average
--                cost weighted by quantity), every order kept
--   schedules, trade plans, threads, inbox, bank links: all kept, re-pointed (decided_by_user_id of plans too)
--   connect codes of the absorbed user not yet used are voided
CREATE FUNCTION merge_users(p_survivor uuid, p_absorbed uuid, p_actor uuid, p_at timestamptz, p_audit_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_id             uuid;
    v_locked         integer := 0;
    v_survivor_zone  text;
    v_absorbed_zone  text;
    v_absorbed_name  text;
    v_collapsed      bigint;
    v_paper          text := 'none';
    v_moved          jsonb := '{}'::jsonb;
    v_count          bigint;
    v_fk             record;
    v_result         jsonb;
BEGIN
    IF p_survivor = p_absorbed THEN
        RAISE EXCEPTION 'merge_users: user % cannot absorb itself', p_survivor USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Both users, in id order (two joins of the same users cannot deadlock). The absorbed user FOR UPDATE: every writer
    -- that would add a row for it waits here and then fails on its foreign key; the survivor only FOR NO KEY UPDATE.
    FOR v_id IN SELECT x FROM unnest(ARRAY[p_survivor, p_absorbed]) AS x ORDER BY x LOOP
        IF v_id = p_absorbed THEN
            PERFORM 1 FROM users WHERE id = v_id FOR UPDATE;
        ELSE
            PERFORM 1 FROM users WHERE id = v_id FOR NO KEY UPDATE;
        END IF;
        IF FOUND THEN
            v_locked := v_locked + 1;
        END IF;
    END LOOP;
    IF v_locked <> 2 THEN
        RETURN NULL;
    END IF;

    SELECT time_zone INTO v_survivor_zone FROM users WHERE id = p_survivor;
    SELECT time_zone, display_name INTO v_absorbed_zone, v_absorbed_name FROM users WHERE id = p_absorbed;
    IF v_survivor_zone IS NULL AND v_absorbed_zone IS NOT NULL THEN
        UPDATE users SET time_zone = v_absorbed_zone WHERE id = p_survivor;
    END IF;

    DELETE FROM user_memories a
     WHERE a.user_id = p_absorbed
       AND EXISTS (SELECT 1 FROM user_memories s WHERE s.user_id = p_survivor AND lower(s.content) = lower(a.content));
    GET DIAGNOSTICS v_collapsed = ROW_COUNT;
    UPDATE user_memories SET user_id = p_survivor WHERE user_id = p_absorbed;

    IF EXISTS (SELECT 1 FROM paper_accounts WHERE user_id = p_absorbed) THEN
        IF EXISTS (SELECT 1 FROM paper_accounts WHERE user_id = p_survivor) THEN
            UPDATE paper_accounts s SET cash = s.cash + a.cash, created_at = LEAST(s.created_at, a.created_at)
              FROM paper_accounts a
             WHERE s.user_id = p_survivor AND a.user_id = p_absorbed;
            DELETE FROM paper_accounts WHERE user_id = p_absorbed;
            v_paper := 'combined';
        ELSE
            UPDATE paper_accounts SET user_id = p_survivor WHERE user_id = p_absorbed;
            v_paper := 'moved';
        END IF;
    END IF;
    UPDATE paper_positions s
       SET average_cost = round((s.quantity * s.average_cost + a.quantity * a.average_cost) / NULLIF(s.quantity + a.quantity, 0), 4),
           quantity = s.quantity + a.quantity,
           updated_at = GREATEST(s.updated_at, a.updated_at)
      FROM paper_positions a
     WHERE s.user_id = p_survivor AND a.user_id = p_absorbed AND a.symbol = s.symbol AND s.quantity + a.quantity <> 0;
    DELETE FROM paper_positions a
     WHERE a.user_id = p_absorbed
       AND EXISTS (SELECT 1 FROM paper_positions s WHERE s.user_id = p_survivor AND s.symbol = a.symbol);

    -- Not a foreign key (a decision is history), but the person is the same.
    UPDATE trade_plans SET decided_by_user_id = p_survivor WHERE decided_by_user_id = p_absorbed;
    UPDATE connect_codes SET spent_at = p_at, spent_reason = 'voided' WHERE user_id = p_absorbed AND spent_at IS NULL;

    FOR v_fk IN
        SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name
          FROM pg_constraint k
          JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         WHERE k.contype = 'f' AND k.confrelid = 'users'::regclass
         ORDER BY c.relname, a.attname
    LOOP
        BEGIN
            EXECUTE format('UPDATE %I.%I SET %I = $1 WHERE %I = $2',
                           v_fk.schema_name, v_fk.table_name, v_fk.column_name, v_fk.column_name)
              USING p_survivor, p_absorbed;
            GET DIAGNOSTICS v_count = ROW_COUNT;
        EXCEPTION WHEN unique_violation THEN
            RAISE EXCEPTION 'merge_users: %.% holds one row per user and merge_users has no rule for it', v_fk.table_name, v_fk.column_name
                USING ERRCODE = 'unique_violation';
        END;
        IF v_count > 0 THEN
            v_moved := v_moved || jsonb_build_object(v_fk.table_name || '.' || v_fk.column_name, v_count);
        END IF;
    END LOOP;

    -- Everything that pointed at the absorbed user points at the survivor now: the delete cascades to nothing.
    DELETE FROM users WHERE id = p_absorbed;

    v_result := jsonb_build_object(
        'survivor_user_id', p_survivor,
        'absorbed_user_id', p_absorbed,
        'absorbed_display_name', v_absorbed_name,
        'moved', v_moved,
        'memories_collapsed', v_collapsed,
        'time_zone', jsonb_build_object('kept', COALESCE(v_survivor_zone, v_absorbed_zone), 'survivor', v_survivor_zone, 'absorbed', v_absorbed_zone),
        'paper_account', v_paper);
    INSERT INTO audit_log (id, at, actor_user_id, action, subject_type, subject_id, data)
    VALUES (p_audit_id, p_at, p_actor, 'identity.joined', 'user', p_survivor::text, v_result);
    RETURN v_result;
END;
$$;

-- Splits the accounts of p_user on p_channel off into a fresh user p_new_user. They take along what lives on that
-- channel: the threads of its conversations (with their inbox rows and the trade plans proposed in them) and the
-- schedules that deliver there. Memory, time zone, bank links, the paper account and everything else stay with
-- p_user, so the new user starts otherwise empty. Refused for the person's last channel. Returns
-- {"outcome": "split" | "not_connected" | "last" | "gone", ...}; a split is written to audit_log.
CREATE FUNCTION split_identities(p_user uuid, p_channel text, p_new_user uuid, p_at timestamptz, p_audit_id uuid)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_on       integer;
    v_off      integer;
    v_threads  uuid[];
    v_inbox    bigint;
    v_plans    bigint;
    v_sched    bigint;
    v_result   jsonb;
BEGIN
    -- FOR UPDATE: record_inbound waits for the split and then reads the account's new user.
    PERFORM 1 FROM users WHERE id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'gone');
    END IF;
    SELECT count(*) FILTER (WHERE channel = p_channel), count(*) FILTER (WHERE channel <> p_channel)
      INTO v_on, v_off
      FROM channel_identities WHERE user_id = p_user;
    IF v_on = 0 THEN
        RETURN jsonb_build_object('outcome', 'not_connected');
    END IF;
    IF v_off = 0 THEN
        RETURN jsonb_build_object('outcome', 'last');
    END IF;

    INSERT INTO users (id, display_name, created_at)
    SELECT p_new_user, COALESCE(ci.display_name, ci.platform_user_id), p_at
      FROM channel_identities ci
     WHERE ci.user_id = p_user AND ci.channel = p_channel
     ORDER BY ci.created_at
     LIMIT 1;
    UPDATE channel_identities SET user_id = p_new_user WHERE user_id = p_user AND channel = p_channel;

    WITH moved AS (
        UPDATE threads t SET user_id = p_new_user
          FROM conversations c
         WHERE t.user_id = p_user AND c.id = t.conversation_id AND c.channel = p_channel
        RETURNING t.id)
    SELECT COALESCE(array_agg(id), '{}') INTO v_threads FROM moved;
    UPDATE inbox SET user_id = p_new_user WHERE thread_id = ANY (v_threads) AND user_id = p_user;
    GET DIAGNOSTICS v_inbox = ROW_COUNT;
    UPDATE trade_plans SET owner_user_id = p_new_user WHERE owner_user_id = p_user AND thread_id = ANY (v_threads);
    GET DIAGNOSTICS v_plans = ROW_COUNT;
    UPDATE schedules s SET user_id = p_new_user
      FROM conversations c
     WHERE s.user_id = p_user AND c.id = s.conversation_id AND c.channel = p_channel;
    GET DIAGNOSTICS v_sched = ROW_COUNT;
    UPDATE connect_codes SET spent_at = p_at, spent_reason = 'voided' WHERE user_id = p_user AND spent_at IS NULL;

    v_result := jsonb_build_object(
        'outcome', 'split', 'channel', p_channel, 'user_id', p_user, 'new_user_id', p_new_user,
        'threads', cardinality(v_threads), 'inbox', v_inbox, 'trade_plans', v_plans, 'schedules', v_sched);
    INSERT INTO audit_log (id, at, actor_user_id, action, subject_type, subject_id, data)
    VALUES (p_audit_id, p_at, p_user, 'identity.split', 'user', p_user::text, v_result);
    RETURN v_result;
END;
$$;

CREATE OR REPLACE FUNCTION commit_turns(p_at timestamptz, p_lease interval, p_turns jsonb)
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
               x.turn->>'status' AS status, x.turn->>'error' AS error, (x.turn->>'user_id')::uuid AS user_id
          FROM jsonb_array_elements(p_turns) AS x(turn)
    ), done AS (
        UPDATE inbox i SET status = t.status, processed_at = p_at, last_error = t.error
          FROM t
         WHERE i.id = ANY (v_ids) AND i.id = t.inbox_id AND i.status = 'Pending'
           AND (SELECT h.lease_owner FROM threads h WHERE h.id = t.thread_id) = t.owner
           -- 0013: a turn whose person was joined into another while it ran is not committed; it runs again as the
           -- joined person (merge_users re-pointed its inbox row), so nothing it did for the absorbed user is lost.
           AND EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)
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
    v_found     uuid;
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
            IF FOUND THEN
                -- 0013: merge_users and split_identities hold the user row FOR UPDATE while they move identities. Take
                -- the key share the inbox row's foreign key takes anyway, then read the identity again: once it names
                -- the user held, no join or split can move it before this commits. (Waiting for a join, the absorbed
                -- user is gone and the identity names the survivor.)
                LOOP
                    PERFORM 1 FROM users u WHERE u.id = v_user FOR KEY SHARE;
                    SELECT ci.user_id INTO STRICT v_found
                      FROM channel_identities ci
                     WHERE ci.channel = item->>'channel' AND ci.platform_user_id = item->>'platform_user_id';
                    EXIT WHEN v_found = v_user;
                    v_user := v_found;
                END LOOP;
            ELSE
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
