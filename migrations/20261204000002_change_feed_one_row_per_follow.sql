-- One change feed row per follow instead of three (ADR 0011). With migration
-- 20261204000001 a follow that moved the counters wrote its pair row, then a
-- 'user' row for each side through the users trigger, whose WHEN clause
-- compared every watched column on each of the two counter updates: the feed
-- kept 0.73-0.75x of follow throughput (`just feed-cost`), short of the
-- 0.85x asked for. (A migration of its own: 000001 is already applied to
-- databases in use, and migrations are forward-only.)
--
-- Rows written before this migration keep their meaning: their pair rows are
-- not marked (`counters` false) and the counters' 'user' rows are there.

-- A pair marked `counters` also moved both users' follow counters (a follow
-- accepted, or an accepted one removed), and stands for their 'user' rows:
-- readers read it as the pair, then each side.
ALTER TABLE change_feed
    ADD COLUMN counters boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT change_feed_counters_of_pairs CHECK (kind = 'pair' OR NOT counters);

-- Every column a profile, `GET /me`, the stats, a search hit or the account
-- check reads but the counters. Fired only by an UPDATE that sets one of them
-- (`UPDATE OF`), so the counter updates do not even evaluate the WHEN clause;
-- the WHEN clause skips an UPDATE that writes them with their old values.
DROP TRIGGER users_change_feed_changed ON users;
CREATE TRIGGER users_change_feed_changed
AFTER UPDATE OF id, username, username_changed_at, name, surname, bio, interests, expertise,
    birth_date, availability_status, minute_price_in_live_stream, instagram, snapchat, x,
    tiktok, facebook, is_private, deactivated_at, profile_photo_id ON users
FOR EACH ROW
WHEN ((OLD.id, OLD.username, OLD.username_changed_at, OLD.name, OLD.surname, OLD.bio,
       OLD.interests, OLD.expertise, OLD.birth_date, OLD.availability_status,
       OLD.minute_price_in_live_stream, OLD.instagram, OLD.snapchat, OLD.x, OLD.tiktok,
       OLD.facebook, OLD.is_private, OLD.deactivated_at, OLD.profile_photo_id)
      IS DISTINCT FROM
      (NEW.id, NEW.username, NEW.username_changed_at, NEW.name, NEW.surname, NEW.bio,
       NEW.interests, NEW.expertise, NEW.birth_date, NEW.availability_status,
       NEW.minute_price_in_live_stream, NEW.instagram, NEW.snapchat, NEW.x, NEW.tiktok,
       NEW.facebook, NEW.is_private, NEW.deactivated_at, NEW.profile_photo_id))
EXECUTE FUNCTION change_feed_user_row();

-- The counters, apart: an update made by another trigger
-- (`pg_trigger_depth() > 0` when the row event is queued) writes no row,
-- because the row that moved the counters says so itself: `follows_counters`
-- runs with the follow's pair row (marked `counters`, below), and
-- `live_streams_counters` with the stream's row for its host. A counter set
-- directly (depth 0) is noted like any other column. A trigger of another
-- service that moves counters must note its users itself.
CREATE TRIGGER users_change_feed_counted
AFTER UPDATE OF followers_count, following_count, total_live_streams ON users
FOR EACH ROW
WHEN (pg_trigger_depth() = 0
      AND (OLD.followers_count, OLD.following_count, OLD.total_live_streams)
          IS DISTINCT FROM
          (NEW.followers_count, NEW.following_count, NEW.total_live_streams))
EXECUTE FUNCTION change_feed_user_row();

-- A follow requested, accepted or removed: (follower, followee), marked
-- `counters` when `follows_counters` moves both users' counters for it (an
-- accepted follow inserted or deleted, a status changing to or from accepted).
CREATE OR REPLACE FUNCTION change_feed_follow_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.follower_id, NEW.followee_id) = (OLD.follower_id, OLD.followee_id) THEN
        INSERT INTO change_feed (kind, user_id, other_id, counters)
        VALUES ('pair', NEW.follower_id, NEW.followee_id,
                (OLD.status = 'accepted') <> (NEW.status = 'accepted'));
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO change_feed (kind, user_id, other_id, counters)
        VALUES ('pair', OLD.follower_id, OLD.followee_id, OLD.status = 'accepted');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO change_feed (kind, user_id, other_id, counters)
        VALUES ('pair', NEW.follower_id, NEW.followee_id, NEW.status = 'accepted');
    END IF;
    RETURN NULL;
END
$$;
