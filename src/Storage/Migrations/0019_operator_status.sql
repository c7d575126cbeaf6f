-- The operator's status view (GET /api/status, ./bot status) reads recent failures per channel and today's model usage;
-- both would otherwise scan their tables.
CREATE INDEX ix_outbox_undelivered ON outbox (channel, created_at DESC) WHERE status IN ('Failed', 'Expired', 'Unreachable');
CREATE INDEX ix_llm_usage_time ON llm_usage (created_at);
