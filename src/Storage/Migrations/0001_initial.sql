-- Initial schema: users, channels, threads, the durable inbox/outbox pipeline, audit, Direct Line, key ring.
-- Ids are UUIDv7 made by the application (time-ordered, so they index well and sort by creation).

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    display_name    text NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE channel_identities (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel           text NOT NULL,
    platform_user_id  text NOT NULL,
    display_name      text,
    created_at        timestamptz NOT NULL,
    CONSTRAINT ux_channel_identities_channel_user UNIQUE (channel, platform_user_id)
);
CREATE INDEX ix_channel_identities_user ON channel_identities (user_id);

CREATE TABLE conversations (
    id                  uuid PRIMARY KEY,
    channel             text NOT NULL,
    address             text NOT NULL,
    reference           jsonb NOT NULL DEFAULT '{}',
    is_group            boolean NOT NULL DEFAULT false,
    current_thread_id   uuid,
    unreachable_since   timestamptz,
    unreachable_reason  text,
    created_at          timestamptz NOT NULL,
    CONSTRAINT ux_conversations_channel_address UNIQUE (channel, address)
);

CREATE TABLE threads (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    thread_key       text,
    title            text,
    status           text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    lease_owner      text,
    lease_until      timestamptz
);
CREATE INDEX ix_threads_user_updated ON threads (user_id, updated_at DESC);
CREATE UNIQUE INDEX ux_threads_conversation_key ON threads (conversation_id, thread_key) WHERE thread_key IS NOT NULL;

CREATE TABLE thread_events (
    id          uuid PRIMARY KEY,
    thread_id   uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    role        text NOT NULL,
    content     jsonb NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX ix_thread_events_thread_created ON thread_events (thread_id, created_at);

CREATE TABLE user_memories (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind              text NOT NULL,
    content           text NOT NULL,
    source_thread_id  uuid REFERENCES threads (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL
);
CREATE INDEX ix_user_memories_user ON user_memories (user_id, created_at);

CREATE TABLE inbox (
    id                uuid PRIMARY KEY,
    channel           text NOT NULL,
    event_id          text NOT NULL,
    thread_id         uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    conversation_id   uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_event_id   uuid NOT NULL,
    payload           jsonb NOT NULL,
    status            text NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    received_at       timestamptz NOT NULL,
    processed_at      timestamptz,
    last_error        text,
    CONSTRAINT ux_inbox_channel_event UNIQUE (channel, event_id)
);
-- The turn worker looks for pending rows only; keep that index small.
CREATE INDEX ix_inbox_pending_thread ON inbox (thread_id, received_at) WHERE status = 'Pending';
CREATE INDEX ix_inbox_pending ON inbox (received_at) WHERE status = 'Pending';

CREATE TABLE outbox (
    id                   uuid PRIMARY KEY,
    seq                  bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id      uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    thread_id            uuid REFERENCES threads (id) ON DELETE SET NULL,
    channel              text NOT NULL,
    payload              jsonb NOT NULL,
    status               text NOT NULL,
    attempts             integer NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL,
    next_attempt_at      timestamptz NOT NULL,
    expires_at           timestamptz NOT NULL,
    lease_until          timestamptz,
    sent_at              timestamptz,
    platform_message_id  text,
    last_error           text
);
-- Delivery is in order per conversation (seq), and only pending rows are ever scanned.
CREATE INDEX ix_outbox_pending ON outbox (conversation_id, seq) WHERE status = 'Pending';
CREATE INDEX ix_outbox_due ON outbox (next_attempt_at) WHERE status = 'Pending';

CREATE TABLE audit_log (
    id              uuid PRIMARY KEY,
    at              timestamptz NOT NULL,
    actor_user_id   uuid,
    action          text NOT NULL,
    subject_type    text NOT NULL,
    subject_id      text NOT NULL,
    data            jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_audit_log_subject ON audit_log (subject_type, subject_id, at);

CREATE TABLE directline_activities (
    seq                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_address  text NOT NULL,
    activity_id           text NOT NULL,
    outbox_id             uuid UNIQUE,
    activity              jsonb NOT NULL,
    created_at            timestamptz NOT NULL
);
CREATE INDEX ix_directline_activities_conversation ON directline_activities (conversation_address, seq);

CREATE TABLE data_protection_keys (
    id             uuid PRIMARY KEY,
    friendly_name  text,
    xml            text NOT NULL,
    created_at     timestamptz NOT NULL
);
