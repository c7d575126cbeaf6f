-- Standing instructions (issue 19): price alerts, recurring buys (DCA) and rebalancing. One row per instruction is
-- the whole truth: its parameters, its alert state (hysteresis), when it is due next and what it did last. A single
-- clustered Quartz job evaluates the rows that are due, each under its row lock (FOR UPDATE SKIP LOCKED), and moves
-- next_eval_at in the same transaction that records the firing's inbound message, so an occurrence fires once.
CREATE TABLE strategies (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Where a firing is delivered (a new thread there, titled after the instruction).
    conversation_id    uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind               text NOT NULL,
    title              text NOT NULL,
    -- The parameters as the parser read them (see StrategySpec).
    spec               jsonb NOT NULL,
    enabled            boolean NOT NULL DEFAULT true,
    -- The message that created it (channel:event id): a turn re-run after a crash finds it again.
    source_key         text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    -- When the evaluator looks at it next (an alert's next check, a recurring buy's due time).
    next_eval_at       timestamptz NOT NULL,
    -- The due time of a recurring buy or weekly rebalance check not yet handled (NULL for alerts).
    due_at             timestamptz,
    -- Alerts: armed means the next crossing fires; it re-arms once the price is back past the hysteresis band.
    armed              boolean NOT NULL DEFAULT true,
    -- Alerts on a move: the trading day and the first price seen in it (the day's open as the evaluator saw it).
    ref_day            date,
    ref_price          numeric(18, 4),
    last_eval_at       timestamptz,
    last_eval_note     text,
    last_outcome       text,
    last_outcome_at    timestamptz,
    last_plan          text,
    last_thread_id     uuid REFERENCES threads (id) ON DELETE SET NULL,
    CONSTRAINT ck_strategies_kind CHECK (kind IN ('Alert', 'Dca', 'Rebalance')),
    CONSTRAINT ux_strategies_source_key UNIQUE (source_key)
);
CREATE INDEX ix_strategies_user ON strategies (user_id, created_at);
CREATE INDEX ix_strategies_due ON strategies (next_eval_at) WHERE enabled;
