-- Model cost control: every model call's tokens, per person and turn, and a running total per calendar month (UTC)
-- for the service-wide budget. No message text is stored here.
CREATE TABLE llm_usage (
    id             uuid PRIMARY KEY,
    user_id        uuid REFERENCES users (id) ON DELETE SET NULL,
    thread_id      uuid REFERENCES threads (id) ON DELETE SET NULL,
    turn_id        uuid,
    model          text NOT NULL,
    purpose        text NOT NULL,
    input_tokens   integer NOT NULL CHECK (input_tokens >= 0),
    output_tokens  integer NOT NULL CHECK (output_tokens >= 0),
    cost_usd       numeric(14, 6),
    created_at     timestamptz NOT NULL
);
CREATE INDEX ix_llm_usage_user_time ON llm_usage (user_id, created_at);

CREATE TABLE llm_usage_months (
    month     date PRIMARY KEY,
    tokens    bigint NOT NULL,
    cost_usd  numeric(16, 6) NOT NULL
);
