-- The credit history reads one user's records newest first, optionally
-- filtered by type, date range and stream, and counts the matches. This index
-- serves the order and the date bounds, and carries type and stream_id so the
-- count and the filters are answered from the index alone (index-only scans),
-- without visiting the table: page 500 of a 100,000-record history stays cheap.
CREATE INDEX credit_transactions_history_idx
    ON credit_transactions (user_id, created_at DESC, id DESC)
    INCLUDE (type, stream_id);
DROP INDEX credit_transactions_user_time_idx;

-- Deleting a live stream sets stream_id to NULL in its records: find them fast.
CREATE INDEX credit_transactions_stream_idx
    ON credit_transactions (stream_id)
    WHERE stream_id IS NOT NULL;
