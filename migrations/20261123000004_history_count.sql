-- A user's number of credit transactions, kept exact by a trigger in the same
-- transaction as the change, so that the unfiltered credit history answers
-- its total without counting 100,000 index entries per request.
ALTER TABLE users ADD COLUMN credit_transaction_count bigint NOT NULL DEFAULT 0
    CHECK (credit_transaction_count >= 0);

UPDATE users u SET credit_transaction_count = c.n
FROM (SELECT user_id, count(*) AS n FROM credit_transactions GROUP BY user_id) AS c
WHERE u.id = c.user_id;

CREATE FUNCTION credit_transactions_keep_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE users SET credit_transaction_count = credit_transaction_count - 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE users SET credit_transaction_count = credit_transaction_count + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER credit_transactions_count
AFTER INSERT OR DELETE OR UPDATE OF user_id ON credit_transactions
FOR EACH ROW EXECUTE FUNCTION credit_transactions_keep_count();

-- The search outbox only watches what search shows: fire the deferred trigger
-- only when one of those columns is written, so counter updates (following,
-- live streams, balances, this count) queue no deferred events.
DROP TRIGGER users_search_outbox ON users;
CREATE CONSTRAINT TRIGGER users_search_outbox
AFTER INSERT OR DELETE OR UPDATE OF username, name, surname, expertise, minute_price_in_live_stream,
    profile_photo_id, is_private, deactivated_at, followers_count ON users
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION users_search_outbox();
