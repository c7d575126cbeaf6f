-- Small per-channel state that must survive a restart (the Telegram polling offset).

CREATE TABLE channel_state (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL
);
