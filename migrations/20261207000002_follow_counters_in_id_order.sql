-- A follow moves its two users' counters in the order of their ids (ADR
-- 0002, "Two rows, locked in id order").
--
-- `follows_keep_counters` updated the followee's row, then the follower's:
-- two follows crossing each other (A follows B while B follows or unfollows
-- A) locked the same two rows in opposite orders, and PostgreSQL broke the
-- deadlock by rolling one of them back (40P01), a failed write for whichever
-- service made it. Now the lower id is always updated first, so crossing
-- follows queue instead. Two UPDATEs chosen by comparing the ids, rather
-- than one naming both: the order in which one UPDATE visits its rows is
-- its plan's (a bitmap or sequential scan goes by the rows' places on disk).
--
-- A follow updated in place moves what changed and nothing else: the same
-- status written again nothing, a status change both sides once, a follow
-- re-pointed while accepted the old pair down and the new one up.
CREATE OR REPLACE FUNCTION follows_keep_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    removed int := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'accepted' THEN 1 ELSE 0 END;
    added int := CASE WHEN TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'accepted' THEN 1 ELSE 0 END;
BEGIN
    -- The same pair: only the change of status counts.
    IF TG_OP = 'UPDATE' AND (NEW.follower_id, NEW.followee_id) = (OLD.follower_id, OLD.followee_id) THEN
        added := added - removed;
        removed := 0;
    END IF;
    IF removed <> 0 THEN
        PERFORM follows_move_counters(OLD.follower_id, OLD.followee_id, -removed);
    END IF;
    IF added <> 0 THEN
        PERFORM follows_move_counters(NEW.follower_id, NEW.followee_id, added);
    END IF;
    RETURN NULL;
END
$$;

-- `change` more followers for the followee and as many more followings for
-- the follower, the lower id's row first.
CREATE FUNCTION follows_move_counters(follower bytea, followee bytea, change int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF follower < followee THEN
        UPDATE users SET following_count = following_count + change WHERE id = follower;
        UPDATE users SET followers_count = followers_count + change WHERE id = followee;
    ELSE
        UPDATE users SET followers_count = followers_count + change WHERE id = followee;
        UPDATE users SET following_count = following_count + change WHERE id = follower;
    END IF;
END
$$;
