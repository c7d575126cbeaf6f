-- Finance: bank connections (Plaid items, access tokens encrypted by the application), synced transactions,
-- one-time bank-link codes, and the paper broker's accounts, orders and positions.

CREATE TABLE bank_items (
    id                      uuid PRIMARY KEY,
    user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider                text NOT NULL,
    external_id             text NOT NULL,
    institution_name        text,
    -- ASP.NET Core Data Protection ciphertext; the plaintext token is never stored.
    protected_access_token  text NOT NULL,
    transactions_cursor     text,
    status                  text NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    CONSTRAINT ux_bank_items_provider_external UNIQUE (provider, external_id)
);
CREATE INDEX ix_bank_items_user ON bank_items (user_id);

CREATE TABLE bank_transactions (
    id             uuid PRIMARY KEY,
    bank_item_id   uuid NOT NULL REFERENCES bank_items (id) ON DELETE CASCADE,
    external_id    text NOT NULL,
    account_id     text NOT NULL,
    date           date NOT NULL,
    name           text NOT NULL,
    merchant_name  text,
    category       text,
    amount         numeric(18, 2) NOT NULL,
    currency       text NOT NULL,
    pending        boolean NOT NULL,
    CONSTRAINT ux_bank_transactions_item_external UNIQUE (bank_item_id, external_id)
);
CREATE INDEX ix_bank_transactions_item_date ON bank_transactions (bank_item_id, date DESC);

CREATE TABLE bank_link_sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash     text NOT NULL,
    bank_item_id  uuid REFERENCES bank_items (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    CONSTRAINT ux_bank_link_sessions_code UNIQUE (code_hash)
);

CREATE TABLE paper_accounts (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    cash        numeric(18, 2) NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE paper_orders (
    id                uuid PRIMARY KEY,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_order_id   text NOT NULL,
    symbol            text NOT NULL,
    side              text NOT NULL,
    quantity          numeric(18, 6) NOT NULL,
    order_type        text NOT NULL,
    limit_price       numeric(18, 4),
    time_in_force     text NOT NULL,
    status            text NOT NULL,
    filled_quantity   numeric(18, 6) NOT NULL DEFAULT 0,
    fill_price        numeric(18, 4),
    reject_reason     text,
    created_at        timestamptz NOT NULL,
    filled_at         timestamptz,
    -- Like IBKR's cOID: a client order id is accepted once per account.
    CONSTRAINT ux_paper_orders_user_client_order UNIQUE (user_id, client_order_id)
);

CREATE TABLE paper_positions (
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symbol        text NOT NULL,
    quantity      numeric(18, 6) NOT NULL,
    average_cost  numeric(18, 4) NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, symbol)
);
