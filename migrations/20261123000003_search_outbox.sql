-- The search index is fed from here. Every change that search shows writes a
-- row in the same transaction as the change (triggers below), and a NOTIFY
-- wakes the server instances, which apply new rows in `seq` order. An
-- instance that missed a notification, or restarts, catches up from the last
-- `seq` it applied.
--
-- Readers may jump to the highest `seq` they see only if no lower `seq` can
-- still commit. So rows are written by deferred constraint triggers, which
-- run while the transaction commits, under a transaction-scoped advisory
-- lock: writers take their `seq` one at a time, in commit order, and release
-- the lock only once their commit is visible. A transaction that rolls back
-- earlier never takes a `seq`. By then the transaction holds all its row
-- locks, so waiting for the advisory lock cannot deadlock.
CREATE TABLE search_outbox (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION search_outbox_note(changed_user bytea) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7261024);
    INSERT INTO search_outbox (user_id) VALUES (changed_user);
    -- Identical notifications in one transaction are delivered once, at commit.
    PERFORM pg_notify('search_outbox', '');
END
$$;

CREATE FUNCTION users_search_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM search_outbox_note(OLD.id);
    ELSIF TG_OP = 'INSERT'
       OR NEW.username IS DISTINCT FROM OLD.username
       OR NEW.name IS DISTINCT FROM OLD.name
       OR NEW.surname IS DISTINCT FROM OLD.surname
       OR NEW.expertise IS DISTINCT FROM OLD.expertise
       OR NEW.minute_price_in_live_stream IS DISTINCT FROM OLD.minute_price_in_live_stream
       OR NEW.profile_photo_id IS DISTINCT FROM OLD.profile_photo_id
       OR NEW.is_private IS DISTINCT FROM OLD.is_private
       OR NEW.deactivated_at IS DISTINCT FROM OLD.deactivated_at
       OR NEW.followers_count IS DISTINCT FROM OLD.followers_count
    THEN
        PERFORM search_outbox_note(NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER users_search_outbox
AFTER INSERT OR UPDATE OR DELETE ON users
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION users_search_outbox();

-- A live stream starting or ending changes its host's search result.
CREATE FUNCTION live_streams_search_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM search_outbox_note(OLD.host_id);
    ELSIF TG_OP = 'INSERT'
       OR NEW.ended_at IS DISTINCT FROM OLD.ended_at
       OR NEW.title IS DISTINCT FROM OLD.title
    THEN
        PERFORM search_outbox_note(NEW.host_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER live_streams_search_outbox
AFTER INSERT OR UPDATE OR DELETE ON live_streams
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION live_streams_search_outbox();
