-- Trade plans: orders proposed in a thread, approved or declined by their owner with one click, executed once.

CREATE TABLE trade_plans (
    id                    uuid PRIMARY KEY,
    short_id              text NOT NULL UNIQUE,       -- fits a Telegram callback_data with the action and hash
    owner_user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id             uuid NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    conversation_id       uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    turn_id               uuid,                        -- the turn that proposed it: a re-run turn finds it again
    turn_ordinal          integer NOT NULL DEFAULT 0,
    status                text NOT NULL,
    rationale             text NOT NULL,
    risk_notes            jsonb NOT NULL DEFAULT '[]',
    snapshot_hash         text NOT NULL,               -- over the immutable orders; buttons carry it
    card_outbox_id        uuid,                        -- the card message, updated in place after a decision
    broker                text NOT NULL,
    created_at            timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL,
    decided_at            timestamptz,
    decided_by_user_id    uuid,
    execution_lease_until timestamptz,                 -- a stalled execution is resumed only after this
    updated_at            timestamptz NOT NULL,
    outcome               text
);
CREATE UNIQUE INDEX ux_trade_plans_turn ON trade_plans (turn_id, turn_ordinal) WHERE turn_id IS NOT NULL;
CREATE INDEX ix_trade_plans_open ON trade_plans (status, expires_at) WHERE status IN ('Proposed', 'Approved', 'Submitting', 'Submitted');
CREATE INDEX ix_trade_plans_owner_decided ON trade_plans (owner_user_id, decided_at);

CREATE TABLE trade_plan_orders (
    id                uuid PRIMARY KEY,                -- also the broker's client order id (IBKR cOID)
    plan_id           uuid NOT NULL REFERENCES trade_plans (id) ON DELETE CASCADE,
    position          integer NOT NULL,
    symbol            text NOT NULL,
    side              text NOT NULL,
    quantity          numeric(20, 6) NOT NULL,
    order_type        text NOT NULL,
    limit_price       numeric(20, 6),
    time_in_force     text NOT NULL,
    proposal_price    numeric(20, 6) NOT NULL,         -- the market when proposed, for the drift check at approval
    status            text NOT NULL,
    broker_order_id   text,
    filled_quantity   numeric(20, 6) NOT NULL DEFAULT 0,
    average_price     numeric(20, 6),
    message           text,
    CONSTRAINT ux_trade_plan_orders_position UNIQUE (plan_id, position)
);
