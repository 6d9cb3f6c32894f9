-- The Users API schema: every table the API needs, created once.
-- Forward-only: later changes come as new migrations, never edits to this file.

-- Ids are 12 bytes (the docs' 24-hex-character `_id`): 4 bytes of creation time
-- in seconds (unsigned, good until 2106), then 8 random bytes, so new ids sort
-- roughly by creation.
CREATE FUNCTION new_object_id() RETURNS bytea
LANGUAGE sql VOLATILE AS $$
    SELECT substring(int8send(extract(epoch FROM clock_timestamp())::bigint) FROM 5 FOR 4)
        || substring(uuid_send(gen_random_uuid()) FROM 1 FOR 8)
$$;

CREATE TABLE users (
    id                          bytea PRIMARY KEY DEFAULT new_object_id()
                                CHECK (octet_length(id) = 12),
    username                    text NOT NULL
                                CHECK (username ~ '^[A-Za-z0-9_.]{3,30}$'
                                       AND username !~ '(^\.|\.$|\.\.)'),
    -- Usernames are unique ignoring case, folded by ASCII rules only: translate()
    -- does not depend on the database's locale (a Turkish locale's lower() would
    -- turn 'I' into 'ı'). The domain's Username::canonical() folds the same way.
    username_key                text GENERATED ALWAYS AS (
                                    translate(username, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                                                        'abcdefghijklmnopqrstuvwxyz')
                                ) STORED,
    username_changed_at         timestamptz,
    name                        text NOT NULL,
    surname                     text NOT NULL,
    bio                         text,
    interests                   text[] NOT NULL DEFAULT '{}',
    expertise                   text,
    birth_date                  date,
    availability_status         text NOT NULL DEFAULT 'available'
                                CHECK (availability_status IN ('available', 'busy', 'away', 'offline')),
    minute_price_in_live_stream integer NOT NULL DEFAULT 0
                                CHECK (minute_price_in_live_stream >= 0),
    instagram                   text,
    snapchat                    text,
    x                           text,
    tiktok                      text,
    facebook                    text,
    is_private                  boolean NOT NULL DEFAULT false,
    deactivated_at              timestamptz,
    profile_photo_id            bytea,
    -- Denormalised counters, kept exact by the triggers below in the same
    -- transaction as the change, so no request ever counts the follows table.
    followers_count             bigint NOT NULL DEFAULT 0 CHECK (followers_count >= 0),
    following_count             bigint NOT NULL DEFAULT 0 CHECK (following_count >= 0),
    total_live_streams          bigint NOT NULL DEFAULT 0 CHECK (total_live_streams >= 0),
    credit_balance              bigint NOT NULL DEFAULT 0,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_key_unique UNIQUE (username_key)
);

CREATE TABLE profile_photos (
    id           bytea PRIMARY KEY DEFAULT new_object_id() CHECK (octet_length(id) = 12),
    user_id      bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    media_type   text NOT NULL DEFAULT 'image' CHECK (media_type IN ('image', 'video')),
    original_url text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Lets users reference (photo, owner) so a user can only show their own photo.
    CONSTRAINT profile_photos_id_owner_unique UNIQUE (id, user_id)
);
CREATE INDEX profile_photos_user_id_idx ON profile_photos (user_id);

-- Resized copies of a photo; search results show the 96 px one.
CREATE TABLE profile_photo_variants (
    photo_id bytea NOT NULL REFERENCES profile_photos (id) ON DELETE CASCADE,
    size_px  integer NOT NULL CHECK (size_px > 0),
    url      text NOT NULL,
    PRIMARY KEY (photo_id, size_px)
);

ALTER TABLE users
    ADD CONSTRAINT users_profile_photo_owned_fk
    FOREIGN KEY (profile_photo_id, id) REFERENCES profile_photos (id, user_id)
    DEFERRABLE INITIALLY IMMEDIATE;

-- Every username a user has given up, and until when it stays held for them.
CREATE TABLE username_history (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id          bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_username     text NOT NULL,
    new_username     text NOT NULL,
    changed_at       timestamptz NOT NULL,
    held_until       timestamptz NOT NULL
);
CREATE INDEX username_history_user_idx ON username_history (user_id, changed_at DESC);

-- One row per name that is in use or held: the primary key is what settles two
-- users racing for one name, and a held name (given up less than 14 days ago)
-- cannot be taken by anyone but its former owner.
CREATE TABLE username_claims (
    username_key text PRIMARY KEY,
    user_id      bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    held_until   timestamptz
);
CREATE INDEX username_claims_user_idx ON username_claims (user_id);

CREATE TABLE follows (
    follower_id bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A follow of a private profile waits as 'pending' until accepted.
    status      text NOT NULL CHECK (status IN ('accepted', 'pending')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee_idx ON follows (followee_id, status);

CREATE TABLE blocks (
    blocker_id bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
CREATE INDEX blocks_blocked_idx ON blocks (blocked_id);

CREATE TABLE live_streams (
    id           bytea PRIMARY KEY DEFAULT new_object_id() CHECK (octet_length(id) = 12),
    host_id      bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        text NOT NULL,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    viewer_count integer NOT NULL DEFAULT 0 CHECK (viewer_count >= 0),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX live_streams_host_idx ON live_streams (host_id, started_at DESC);
-- A host is on air with at most one stream at a time.
CREATE UNIQUE INDEX live_streams_one_on_air_per_host ON live_streams (host_id) WHERE ended_at IS NULL;

CREATE TABLE credit_transactions (
    id            bytea PRIMARY KEY DEFAULT new_object_id() CHECK (octet_length(id) = 12),
    user_id       bytea NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type          text NOT NULL CHECK (type IN ('purchase', 'gift_sent', 'gift_received',
                                                'stream_earning', 'stream_spend', 'refund',
                                                'withdrawal', 'adjustment')),
    amount        bigint NOT NULL CHECK (amount <> 0),
    balance_after bigint NOT NULL,
    stream_id     bytea REFERENCES live_streams (id) ON DELETE SET NULL,
    description   text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Serves a user's history newest first, with or without a date range.
CREATE INDEX credit_transactions_user_time_idx ON credit_transactions (user_id, created_at DESC, id DESC);

-- Counters -------------------------------------------------------------------

CREATE FUNCTION follows_keep_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'accepted' THEN
        UPDATE users SET followers_count = followers_count - 1 WHERE id = OLD.followee_id;
        UPDATE users SET following_count = following_count - 1 WHERE id = OLD.follower_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'accepted' THEN
        UPDATE users SET followers_count = followers_count + 1 WHERE id = NEW.followee_id;
        UPDATE users SET following_count = following_count + 1 WHERE id = NEW.follower_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER follows_counters
AFTER INSERT OR DELETE OR UPDATE OF status, follower_id, followee_id ON follows
FOR EACH ROW EXECUTE FUNCTION follows_keep_counters();

CREATE FUNCTION live_streams_keep_counters() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE users SET total_live_streams = total_live_streams - 1 WHERE id = OLD.host_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE users SET total_live_streams = total_live_streams + 1 WHERE id = NEW.host_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER live_streams_counters
AFTER INSERT OR DELETE OR UPDATE OF host_id ON live_streams
FOR EACH ROW EXECUTE FUNCTION live_streams_keep_counters();

-- A new user's name is claimed in the same statement that creates the user, so
-- nobody can register a name that is in use or still held for someone else.
CREATE FUNCTION users_claim_username() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO username_claims (username_key, user_id, held_until)
    VALUES (NEW.username_key, NEW.id, NULL)
    ON CONFLICT (username_key) DO UPDATE
        SET user_id = EXCLUDED.user_id, held_until = NULL
        WHERE username_claims.held_until IS NOT NULL
          AND username_claims.held_until <= now();
    IF NOT FOUND THEN
        RAISE unique_violation USING
            MESSAGE = 'username is in use or held: ' || NEW.username_key,
            CONSTRAINT = 'username_claims_pkey';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_claim_username
AFTER INSERT ON users
FOR EACH ROW EXECUTE FUNCTION users_claim_username();
