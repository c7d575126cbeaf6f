-- Sign-in to the web app (issue 15). A person asks for a one-time link in any chat (/web); opening it starts a
-- cookie session. Only SHA-256 hashes of the link token and of the session id are stored, so a database dump signs
-- nobody in. Both tables belong to a user and go with it (ON DELETE CASCADE); a merge of two users re-points
-- user_id to the user that stays.

CREATE TABLE web_sign_in_links (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CONSTRAINT ux_web_sign_in_links_token UNIQUE (token_hash)
);
CREATE INDEX ix_web_sign_in_links_user ON web_sign_in_links (user_id);

-- last_seen_at slides the idle expiry forward (written at most once a minute); expires_at is the absolute end.
CREATE TABLE web_sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash   text NOT NULL,
    method        text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    CONSTRAINT ux_web_sessions_secret UNIQUE (secret_hash)
);
CREATE INDEX ix_web_sessions_user ON web_sessions (user_id);
