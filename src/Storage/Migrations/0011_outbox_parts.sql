-- Replies in parts (issue 14). A long reply goes to Slack or Telegram as several platform messages. A retried row used to
-- post them all again, so the parts before a failing one reached the person once per attempt. The outbox now records
-- each part as it is delivered, and a retry (or another replica after a crash) starts at the first part not recorded.
--
-- parts_sent: how many leading parts of the row's message the platform has accepted, each recorded before the next is
--   posted. The last part is recorded by the row's outcome (Sent, with platform_message_id), so a message of one part
--   never counts here, and a reply of n parts that was sent ends with n - 1.
-- part_ids: the platform ids of those parts, in order (cardinality = parts_sent).
-- last_part_attempt: the value of attempts when the last part was recorded. attempts - last_part_attempt is how many
--   tries in a row have delivered nothing; Pipeline:MaxSendAttempts bounds it.
--
-- Only OutboxProcessor writes these columns (its RecordPartAsync, one statement per part). Constant defaults keep the
-- ALTER a change of the catalogue only (no rewrite of the table).

ALTER TABLE outbox
    ADD COLUMN parts_sent integer NOT NULL DEFAULT 0,
    ADD COLUMN part_ids text[] NOT NULL DEFAULT '{}',
    ADD COLUMN last_part_attempt integer NOT NULL DEFAULT 0;
