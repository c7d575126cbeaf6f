-- Bank links that survive a transient error (issue 14). Completing a one-time link is now a series of steps, and the
-- session row says how far it got:
--   claimed_until        a request is exchanging the public token right now (a lease, so two posts of the same code
--                        never exchange twice, and a crashed request frees the code once it lapses);
--   linked_bank_item_id  the access token is stored (encrypted) in that item; a retry only runs the remaining steps;
--   used_at              every step is done and the code is spent.
ALTER TABLE bank_link_sessions
    ADD COLUMN claimed_until timestamptz,
    ADD COLUMN linked_bank_item_id uuid REFERENCES bank_items (id) ON DELETE SET NULL;
