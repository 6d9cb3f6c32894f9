-- A user's number of credit transactions of each type, kept exact by a trigger
-- in the same transaction as the change, so that a history filtered by type
-- alone answers its total by adding at most eight counts instead of counting
-- the user's whole index range on every page (ADR 0010).

-- No write may land between the fill below and the trigger that keeps it:
-- this is the lock CREATE TRIGGER takes anyway (reads go on).
LOCK TABLE credit_transactions IN SHARE ROW EXCLUSIVE MODE;

-- One row per (user, type) that ever had a record; a count that falls to 0
-- keeps its row, so a delete never races an insert over the row's existence.
-- `type` holds only values of credit_transactions.type (checked there).
CREATE TABLE credit_transaction_type_counts (
    user_id bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type    text NOT NULL,
    count   bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (user_id, type)
);

INSERT INTO credit_transaction_type_counts (user_id, type, count)
SELECT user_id, type, count(*) FROM credit_transactions GROUP BY user_id, type;

-- A separate trigger from `credit_transactions_count` (migration
-- history_count), which keeps the per-user total: each keeps one counter.
-- Before touching a type row it locks the owner's `users` row (both owners,
-- in id order, when a record moves): writers of one user then queue there
-- instead of deadlocking over type rows taken in different orders, whatever
-- other triggers do (the per-user counter's UPDATE takes the same lock, so
-- for inserts and deletes this costs nothing more).
CREATE FUNCTION credit_transactions_keep_type_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.user_id, OLD.type) = (NEW.user_id, NEW.type) THEN
        RETURN NULL;
    END IF;
    -- OLD is null for an INSERT, NEW for a DELETE.
    PERFORM 1 FROM users WHERE id IN (OLD.user_id, NEW.user_id)
    ORDER BY id FOR NO KEY UPDATE;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE credit_transaction_type_counts SET count = count - 1
        WHERE user_id = OLD.user_id AND type = OLD.type;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        -- The first record of a type makes its row; concurrent first records
        -- meet in the primary key and add up.
        INSERT INTO credit_transaction_type_counts AS c (user_id, type, count)
        VALUES (NEW.user_id, NEW.type, 1)
        ON CONFLICT (user_id, type) DO UPDATE SET count = c.count + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER credit_transactions_type_counts
AFTER INSERT OR DELETE OR UPDATE OF type, user_id ON credit_transactions
FOR EACH ROW EXECUTE FUNCTION credit_transactions_keep_type_counts();
