-- The change feed replaces the search outbox (migrations 20261123000003 and
-- ...000005; ADR 0011). It names what changed, for everything that keeps a
-- copy of the users (the search index, the read model): a 'user' row when
-- something a profile, the stats, a search hit or the account check shows
-- changed, a 'pair' row when a follow or a block between two users changed.
-- Readers re-read the current state of what a row names.
--
-- The outbox took one cluster-wide advisory lock per writing transaction at
-- commit, and NOTIFY, which takes a global lock at commit too: writers
-- committed one at a time, which cost a third of follow throughput. Here
-- rows are written by plain AFTER ROW triggers with no lock of their own,
-- tagged with the writing transaction's id (`xid`). Rows do not appear in
-- `seq` order any more, so readers order by (xid, seq) and read only the rows
-- of transactions below the xmin of their snapshot
-- (`pg_snapshot_xmin(pg_current_snapshot())`): every such transaction has
-- finished, so those rows are final and nothing can appear before them
-- later. Paging on (xid, seq) is then exact.
--
-- The outbox's rows are dropped, not carried over: they carry no
-- transaction id, and every search index's stored position (a bare `seq`)
-- no longer parses as a position of this feed, so every index rebuilds from
-- a snapshot anyway. The horizon starts at this migration's transaction, so a
-- reader holding any position from before it is told the changes are gone.
DROP TRIGGER users_search_outbox ON users;
DROP TRIGGER live_streams_search_outbox ON live_streams;
DROP FUNCTION users_search_outbox();
DROP FUNCTION live_streams_search_outbox();
DROP FUNCTION search_outbox_note(bytea);
DROP TABLE search_outbox;
DROP TABLE search_outbox_horizon;

CREATE TABLE change_feed (
    -- Orders the rows of one transaction; across transactions it says
    -- nothing (a transaction may take seq 10 and commit after one that took 11).
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    -- The top-level writing transaction (a savepoint's rows carry it too).
    xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind       text NOT NULL CHECK (kind IN ('user', 'pair')),
    -- The user; of a pair, the follower or the blocker.
    user_id    bytea NOT NULL,
    -- Of a pair, the followee or the blocked user.
    other_id   bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'pair') = (other_id IS NOT NULL)),
    -- The readers' order, and the only b-tree: each index costs every write.
    PRIMARY KEY (xid, seq)
);

-- Finds the rows old enough to trim without reading the rest. BRIN: rows are
-- appended roughly in time order, and a BRIN entry costs a write almost nothing.
CREATE INDEX change_feed_created_at ON change_feed USING brin (created_at);

-- The feed is trimmed (`PgSearch::trim_feed`): rows older than the retention
-- go, and the position of the last one gone is recorded here in the same
-- statement. A reader whose position is below it has missed changes that are
-- gone, and must rebuild what it keeps.
CREATE TABLE change_feed_horizon (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    trimmed_xid xid8 NOT NULL,
    trimmed_seq bigint NOT NULL CHECK (trimmed_seq >= 0)
);
INSERT INTO change_feed_horizon (trimmed_xid, trimmed_seq) VALUES (pg_current_xact_id(), 0);

-- Users ----------------------------------------------------------------------

CREATE FUNCTION change_feed_user_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO change_feed (kind, user_id) VALUES ('user', OLD.id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id <> OLD.id) THEN
        INSERT INTO change_feed (kind, user_id) VALUES ('user', NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_change_feed_added_or_gone
AFTER INSERT OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION change_feed_user_row();

-- Every column a profile, `GET /me`, the stats, a search hit or the account
-- check reads, and no other: credit balances and counts, `updated_at` and
-- `username_key` (generated from `username`) change nothing those show. The
-- WHEN clause is evaluated without calling the function, so an UPDATE that
-- writes a listed column with its old value costs no row.
CREATE TRIGGER users_change_feed_changed
AFTER UPDATE OF id, username, username_changed_at, name, surname, bio, interests, expertise,
    birth_date, availability_status, minute_price_in_live_stream, instagram, snapchat, x,
    tiktok, facebook, is_private, deactivated_at, profile_photo_id, followers_count,
    following_count, total_live_streams ON users
FOR EACH ROW
WHEN ((OLD.id, OLD.username, OLD.username_changed_at, OLD.name, OLD.surname, OLD.bio,
       OLD.interests, OLD.expertise, OLD.birth_date, OLD.availability_status,
       OLD.minute_price_in_live_stream, OLD.instagram, OLD.snapchat, OLD.x, OLD.tiktok,
       OLD.facebook, OLD.is_private, OLD.deactivated_at, OLD.profile_photo_id,
       OLD.followers_count, OLD.following_count, OLD.total_live_streams)
      IS DISTINCT FROM
      (NEW.id, NEW.username, NEW.username_changed_at, NEW.name, NEW.surname, NEW.bio,
       NEW.interests, NEW.expertise, NEW.birth_date, NEW.availability_status,
       NEW.minute_price_in_live_stream, NEW.instagram, NEW.snapchat, NEW.x, NEW.tiktok,
       NEW.facebook, NEW.is_private, NEW.deactivated_at, NEW.profile_photo_id,
       NEW.followers_count, NEW.following_count, NEW.total_live_streams))
EXECUTE FUNCTION change_feed_user_row();

-- Photos: a profile shows its photo's URL and type, search its 96 px variant.
-- Any photo row of a user names the user (photos change seldom; telling
-- which one is the profile photo would cost a read of users per row).
CREATE FUNCTION change_feed_photo_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO change_feed (kind, user_id) VALUES ('user', OLD.user_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
        INSERT INTO change_feed (kind, user_id) VALUES ('user', NEW.user_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER profile_photos_change_feed
AFTER INSERT OR UPDATE OR DELETE ON profile_photos
FOR EACH ROW EXECUTE FUNCTION change_feed_photo_row();

-- A variant names its photo's owner. When the photo itself is being deleted
-- (the variants go by cascade) the owner is no longer found, and the photo's
-- own row already named them.
CREATE FUNCTION change_feed_photo_variant_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed (kind, user_id)
    SELECT DISTINCT 'user', p.user_id FROM profile_photos p
    WHERE (TG_OP IN ('UPDATE', 'DELETE') AND p.id = OLD.photo_id)
       OR (TG_OP IN ('INSERT', 'UPDATE') AND p.id = NEW.photo_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER profile_photo_variants_change_feed
AFTER INSERT OR UPDATE OR DELETE ON profile_photo_variants
FOR EACH ROW EXECUTE FUNCTION change_feed_photo_variant_row();

-- A live stream starting, ending or being renamed changes its host's profile
-- and search hit (the stream counter is a users column, above). The viewer
-- count is not watched: it changes all the time and is read live.
CREATE FUNCTION change_feed_live_stream_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO change_feed (kind, user_id) VALUES ('user', OLD.host_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.host_id <> OLD.host_id) THEN
        INSERT INTO change_feed (kind, user_id) VALUES ('user', NEW.host_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER live_streams_change_feed_added_or_gone
AFTER INSERT OR DELETE ON live_streams
FOR EACH ROW EXECUTE FUNCTION change_feed_live_stream_row();

CREATE TRIGGER live_streams_change_feed_changed
AFTER UPDATE OF host_id, title, ended_at ON live_streams
FOR EACH ROW
WHEN ((OLD.host_id, OLD.title, OLD.ended_at) IS DISTINCT FROM (NEW.host_id, NEW.title, NEW.ended_at))
EXECUTE FUNCTION change_feed_live_stream_row();

-- Pairs ----------------------------------------------------------------------

-- A follow requested, accepted or removed: (follower, followee). The counters
-- it moves write 'user' rows through the users trigger.
CREATE FUNCTION change_feed_follow_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO change_feed (kind, user_id, other_id)
        VALUES ('pair', OLD.follower_id, OLD.followee_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.follower_id, NEW.followee_id)
                                                  <> (OLD.follower_id, OLD.followee_id)) THEN
        INSERT INTO change_feed (kind, user_id, other_id)
        VALUES ('pair', NEW.follower_id, NEW.followee_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER follows_change_feed_added_or_gone
AFTER INSERT OR DELETE ON follows
FOR EACH ROW EXECUTE FUNCTION change_feed_follow_row();

CREATE TRIGGER follows_change_feed_changed
AFTER UPDATE OF follower_id, followee_id, status ON follows
FOR EACH ROW
WHEN ((OLD.follower_id, OLD.followee_id, OLD.status)
      IS DISTINCT FROM (NEW.follower_id, NEW.followee_id, NEW.status))
EXECUTE FUNCTION change_feed_follow_row();

-- A block added or removed: (blocker, blocked).
CREATE FUNCTION change_feed_block_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO change_feed (kind, user_id, other_id)
        VALUES ('pair', OLD.blocker_id, OLD.blocked_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.blocker_id, NEW.blocked_id)
                                                  <> (OLD.blocker_id, OLD.blocked_id)) THEN
        INSERT INTO change_feed (kind, user_id, other_id)
        VALUES ('pair', NEW.blocker_id, NEW.blocked_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER blocks_change_feed
AFTER INSERT OR UPDATE OF blocker_id, blocked_id OR DELETE ON blocks
FOR EACH ROW EXECUTE FUNCTION change_feed_block_row();
