-- The demo fixture: the docs' example user exactly, plus the users that make
-- every error path reachable by hand. Loaded in one transaction.

-- 256 fans: the first 128 follow John, and John follows all 256.
INSERT INTO users (id, username, name, surname, birth_date, bio, interests)
SELECT decode(lpad(to_hex(n), 24, '0'), 'hex'),
       'demo_fan_' || lpad(n::text, 3, '0'),
       (ARRAY['Ayşe', 'Mehmet', 'Zeynep', 'Emre', 'Elif', 'Can', 'Maria', 'Liam'])[1 + n % 8],
       (ARRAY['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Öztürk', 'Smith', 'García'])[1 + n % 8],
       DATE '1990-01-01' + n * 17,
       NULL,
       '{}'
FROM generate_series(1, 256) AS n;

-- John Doe, as the docs show him: 28 years old for the next six months.
INSERT INTO users (id, username, name, surname, bio, interests, expertise, birth_date,
                   availability_status, minute_price_in_live_stream,
                   instagram, snapchat, x, tiktok, facebook)
VALUES (decode('507f1f77bcf86cd799439011', 'hex'), 'johndoe123', 'John', 'Doe',
        'Passionate about technology and travel', '{music,sports}', 'designer',
        (current_date - interval '28 years' - interval '180 days')::date,
        'available', 1,
        'myinstagram', 'mysnapchat', 'mytwitterx', 'mytiktok', 'myfacebook');

INSERT INTO profile_photos (id, user_id, media_type, original_url)
VALUES (decode('507f1f77bcf86cd799439012', 'hex'), decode('507f1f77bcf86cd799439011', 'hex'),
        'image', 'https://example.com/profile.jpg');
INSERT INTO profile_photo_variants (photo_id, size_px, url)
VALUES (decode('507f1f77bcf86cd799439012', 'hex'), 96, 'https://example.com/profile_96.jpg'),
       (decode('507f1f77bcf86cd799439012', 'hex'), 320, 'https://example.com/profile_320.jpg');
UPDATE users SET profile_photo_id = decode('507f1f77bcf86cd799439012', 'hex')
WHERE id = decode('507f1f77bcf86cd799439011', 'hex');

INSERT INTO follows (follower_id, followee_id, status, accepted_at)
SELECT decode(lpad(to_hex(n), 24, '0'), 'hex'), decode('507f1f77bcf86cd799439011', 'hex'), 'accepted', now()
FROM generate_series(1, 128) AS n;
INSERT INTO follows (follower_id, followee_id, status, accepted_at)
SELECT decode('507f1f77bcf86cd799439011', 'hex'), decode(lpad(to_hex(n), 24, '0'), 'hex'), 'accepted', now()
FROM generate_series(1, 256) AS n;

-- Twelve past live streams of John's.
INSERT INTO live_streams (host_id, title, started_at, ended_at, viewer_count)
SELECT decode('507f1f77bcf86cd799439011', 'hex'), 'Design session #' || n,
       now() - n * interval '7 days', now() - n * interval '7 days' + interval '1 hour', 40 + n * 7
FROM generate_series(1, 12) AS n;

-- A private user: demo_fan_002 is an accepted follower, demo_fan_001 still waits.
INSERT INTO users (id, username, name, surname, birth_date, bio, is_private)
VALUES (decode('507f1f77bcf86cd799439021', 'hex'), 'private_jane', 'Jane', 'Roe', DATE '1995-03-14',
        'Only for my followers', true);
INSERT INTO follows (follower_id, followee_id, status, accepted_at)
VALUES (decode('000000000000000000000002', 'hex'), decode('507f1f77bcf86cd799439021', 'hex'), 'accepted', now()),
       (decode('000000000000000000000001', 'hex'), decode('507f1f77bcf86cd799439021', 'hex'), 'pending', NULL);

-- A pair with a block: Bob blocked Carl, so neither sees the other.
INSERT INTO users (id, username, name, surname, birth_date)
VALUES (decode('507f1f77bcf86cd799439031', 'hex'), 'blocker_bob', 'Bob', 'Brown', DATE '1991-07-01'),
       (decode('507f1f77bcf86cd799439032', 'hex'), 'blocked_carl', 'Carl', 'Green', DATE '1993-11-30');
INSERT INTO blocks (blocker_id, blocked_id)
VALUES (decode('507f1f77bcf86cd799439031', 'hex'), decode('507f1f77bcf86cd799439032', 'hex'));

-- A deactivated user: looks as if it did not exist, and its tokens are refused.
INSERT INTO users (id, username, name, surname, birth_date, deactivated_at)
VALUES (decode('507f1f77bcf86cd799439041', 'hex'), 'gone_gary', 'Gary', 'Gone', DATE '1989-02-02', now());
