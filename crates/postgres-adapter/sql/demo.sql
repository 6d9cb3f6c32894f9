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

-- Twelve past live streams of John's, weekly from 19:00 to 20:00 UTC (days
-- counted from midnight UTC, so the credit history below always falls in the
-- same streams, whatever the time of day the fixture is loaded).
INSERT INTO live_streams (host_id, title, started_at, ended_at, viewer_count)
SELECT decode('507f1f77bcf86cd799439011', 'hex'), 'Design session #' || n,
       date_trunc('day', now(), 'UTC') - n * interval '7 days' + interval '19 hours',
       date_trunc('day', now(), 'UTC') - n * interval '7 days' + interval '20 hours',
       40 + n * 7
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

-- John's credit history: 27 movements over five weeks, the newest two days
-- ago, so both history endpoints show every feature on the demo data:
-- - three of John's own streams with gifts received and minutes charged
--   (stream_earning at his 1 credit a minute), and two streams of fans where
--   John spent (gift_sent, stream_spend), each with several records;
-- - purchases, a refund, withdrawals and adjustments of no stream;
-- - records at 22:30 UTC, on the next day in `X-Timezone: UTC+03:00`;
-- - 27 records, so the default page of 20 ends inside demo_fan_008's stream,
--   which the grouped history then shows on both pages.
-- Times are days before midnight UTC plus a time of day, so the demo stays
-- current; `balance_after` is the running sum (never below zero), and John's
-- `credit_balance` the last of them. `credit_transaction_count` follows by trigger.
INSERT INTO live_streams (host_id, title, started_at, ended_at, viewer_count)
VALUES (decode('000000000000000000000008', 'hex'), 'Kadıköy street food',
        date_trunc('day', now(), 'UTC') - interval '22 days' + interval '21 hours 45 minutes',
        date_trunc('day', now(), 'UTC') - interval '22 days' + interval '23 hours 40 minutes', 310),
       (decode('000000000000000000000006', 'hex'), 'Watercolour basics',
        date_trunc('day', now(), 'UTC') - interval '16 days' + interval '17 hours',
        date_trunc('day', now(), 'UTC') - interval '16 days' + interval '18 hours 30 minutes', 95);

INSERT INTO credit_transactions (user_id, type, amount, balance_after, stream_id, description, created_at)
SELECT decode('507f1f77bcf86cd799439011', 'hex'), m.type, m.amount,
       sum(m.amount) OVER (ORDER BY m.at), s.id, m.description, m.at
FROM (
    SELECT date_trunc('day', now(), 'UTC') - v.days_ago * interval '1 day' + v.clock::interval AS at,
           v.type, v.amount, v.stream, v.description
    FROM (VALUES
        (33, '09:30', 'purchase',        300, NULL,                  'Bought 300 credits'),
        (31, '22:30', 'purchase',        200, NULL,                  'Bought 200 credits'),
        (28, '19:08', 'gift_received',    25, 'Design session #4',   'Rose from demo_fan_008'),
        (28, '19:35', 'stream_earning',   18, 'Design session #4',   '18 minutes of call at 1 credit a minute'),
        (28, '19:52', 'gift_received',    50, 'Design session #4',   'Crown from demo_fan_003'),
        (26, '12:00', 'withdrawal',     -400, NULL,                  'Paid out to the bank account'),
        (22, '22:05', 'gift_sent',       -20, 'Kadıköy street food', 'Rose for demo_fan_008'),
        (22, '22:30', 'stream_spend',    -15, 'Kadıköy street food', 'Pinned a question'),
        (22, '23:10', 'gift_sent',       -50, 'Kadıköy street food', 'Crown for demo_fan_008'),
        (21, '10:00', 'refund',           15, NULL,                  'Refund: the pinned question was not answered'),
        (21, '19:10', 'stream_earning',   12, 'Design session #3',   '12 minutes of call at 1 credit a minute'),
        (21, '19:30', 'gift_received',    10, 'Design session #3',   'Heart from demo_fan_016'),
        (21, '19:50', 'stream_earning',   25, 'Design session #3',   '25 minutes of call at 1 credit a minute'),
        (17, '08:45', 'purchase',       1000, NULL,                  'Bought 1000 credits'),
        (16, '17:20', 'stream_spend',    -30, 'Watercolour basics',  'Front-row seat'),
        (16, '17:55', 'gift_sent',      -100, 'Watercolour basics',  'Palette for demo_fan_006'),
        (15, '22:30', 'adjustment',       50, NULL,                  'Support: welcome bonus'),
        (14, '19:05', 'gift_received',    20, 'Design session #2',   'Rose from demo_fan_024'),
        (14, '19:25', 'stream_earning',   20, 'Design session #2',   '20 minutes of call at 1 credit a minute'),
        (14, '19:45', 'gift_received',   100, 'Design session #2',   'Palette from demo_fan_006'),
        (14, '19:58', 'stream_earning',    9, 'Design session #2',   '9 minutes of call at 1 credit a minute'),
        (12, '11:00', 'withdrawal',     -800, NULL,                  'Paid out to the bank account'),
        ( 9, '14:00', 'adjustment',      -20, NULL,                  'Support: a gift counted twice'),
        ( 7, '19:10', 'gift_received',    30, 'Design session #1',   'Rose from demo_fan_008'),
        ( 7, '19:40', 'stream_earning',   40, 'Design session #1',   '40 minutes of call at 1 credit a minute'),
        ( 7, '19:59', 'gift_received',    15, 'Design session #1',   'Heart from demo_fan_032'),
        ( 2, '22:30', 'purchase',        250, NULL,                  'Bought 250 credits')
    ) AS v (days_ago, clock, type, amount, stream, description)
) AS m
LEFT JOIN live_streams s ON s.title = m.stream;

UPDATE users
SET credit_balance = (SELECT balance_after FROM credit_transactions
                      WHERE user_id = decode('507f1f77bcf86cd799439011', 'hex')
                      ORDER BY created_at DESC, id DESC LIMIT 1)
WHERE id = decode('507f1f77bcf86cd799439011', 'hex');
