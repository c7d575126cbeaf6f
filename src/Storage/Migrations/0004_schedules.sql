-- Scheduled proactive messages. The schedules table is the source of truth: Quartz's triggers mirror it and are
-- rebuilt from it at start. Quartz's own tables (qrtz_*) are not created here: Quartz provisions them itself at
-- start (SchemaProvisioning.CreateIfMissing), from the script that matches the Quartz version in use.

-- The user's IANA time zone, once known (from the channel, or from a /schedule or /timezone that named one).
ALTER TABLE users ADD COLUMN time_zone text;

CREATE TABLE schedules (
    id                    uuid PRIMARY KEY,
    user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Where a firing is delivered: the conversation row carries channel, address and reference.
    conversation_id       uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    title                 text NOT NULL,
    prompt                text NOT NULL,
    -- Exactly one rule: a Quartz cron expression (seconds first) read in time_zone, or a fixed interval
    -- counted from starts_at.
    cron                  text,
    interval_seconds      integer,
    time_zone             text NOT NULL,
    -- The rule in words, as the user will read it in /schedules ("weekdays at 08:00").
    description           text NOT NULL,
    starts_at             timestamptz NOT NULL,
    enabled               boolean NOT NULL DEFAULT true,
    paused_reason         text,
    -- Set when the service paused the schedule (not the user): the next message from the user is told once.
    pause_notice_pending  boolean NOT NULL DEFAULT false,
    -- The message that created the schedule (channel:event id:n): a turn re-run after a crash finds it again.
    source_key            text,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    -- The latest occurrence already handled (run or skipped); firings at or before it are duplicates.
    last_fire_at          timestamptz,
    last_run_at           timestamptz,
    last_status           text,
    last_error            text,
    consecutive_failures  integer NOT NULL DEFAULT 0,
    CONSTRAINT ck_schedules_one_rule CHECK ((cron IS NULL) <> (interval_seconds IS NULL)),
    CONSTRAINT ck_schedules_interval_positive CHECK (interval_seconds IS NULL OR interval_seconds > 0),
    CONSTRAINT ux_schedules_source_key UNIQUE (source_key)
);
CREATE INDEX ix_schedules_user ON schedules (user_id, created_at);
CREATE INDEX ix_schedules_pause_notice ON schedules (user_id) WHERE pause_notice_pending;

-- One row per occurrence of a schedule: the run queued for it (and how its delivery ended), or the skip.
-- Unique per schedule and occurrence, so two replicas firing the same occurrence record it once.
CREATE TABLE schedule_runs (
    id                   uuid PRIMARY KEY,
    schedule_id          uuid NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    fire_time            timestamptz NOT NULL,
    status               text NOT NULL,
    thread_id            uuid REFERENCES threads (id) ON DELETE SET NULL,
    inbox_id             uuid REFERENCES inbox (id) ON DELETE SET NULL,
    fired_by             text,
    created_at           timestamptz NOT NULL,
    settled_at           timestamptz,
    platform_message_id  text,
    error                text,
    CONSTRAINT ux_schedule_runs_schedule_fire_time UNIQUE (schedule_id, fire_time)
);
-- The status tracker looks at queued runs only.
CREATE INDEX ix_schedule_runs_queued ON schedule_runs (created_at) WHERE status = 'Queued';
