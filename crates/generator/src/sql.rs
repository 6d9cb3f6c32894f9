//! The set-based statements run around the COPY streams: recomputing every
//! counter from the tables after the load, and the read-only recount and
//! balance-chain check of `allmine check`. Each recount is written once and
//! shared by both.

/// Every user's counters as the tables say they should be.
macro_rules! recount_cte {
    () => {
        "WITH followers AS (
             SELECT followee_id AS id, count(*) AS n FROM follows
             WHERE status = 'accepted' GROUP BY followee_id
         ),
         following AS (
             SELECT follower_id AS id, count(*) AS n FROM follows
             WHERE status = 'accepted' GROUP BY follower_id
         ),
         streams AS (
             SELECT host_id AS id, count(*) AS n FROM live_streams GROUP BY host_id
         ),
         transactions AS (
             SELECT user_id AS id, count(*) AS n FROM credit_transactions GROUP BY user_id
         ),
         balances AS (
             SELECT DISTINCT ON (user_id) user_id AS id, balance_after AS n
             FROM credit_transactions
             ORDER BY user_id, created_at DESC, id DESC
         ),
         recount AS (
             SELECT u.id,
                    coalesce(fr.n, 0) AS followers_count,
                    coalesce(fg.n, 0) AS following_count,
                    coalesce(s.n, 0) AS total_live_streams,
                    coalesce(b.n, 0) AS credit_balance,
                    coalesce(t.n, 0) AS credit_transaction_count
             FROM users u
             LEFT JOIN followers fr ON fr.id = u.id
             LEFT JOIN following fg ON fg.id = u.id
             LEFT JOIN streams s ON s.id = u.id
             LEFT JOIN balances b ON b.id = u.id
             LEFT JOIN transactions t ON t.id = u.id
         )"
    };
}

pub(crate) const RECOMPUTE_COUNTERS: &str = concat!(
    recount_cte!(),
    "
    UPDATE users u
    SET followers_count = r.followers_count,
        following_count = r.following_count,
        total_live_streams = r.total_live_streams,
        credit_balance = r.credit_balance,
        credit_transaction_count = r.credit_transaction_count
    FROM recount r
    WHERE u.id = r.id
      AND (u.followers_count, u.following_count, u.total_live_streams, u.credit_balance,
           u.credit_transaction_count)
          IS DISTINCT FROM
          (r.followers_count, r.following_count, r.total_live_streams, r.credit_balance,
           r.credit_transaction_count)"
);

pub(crate) const CHECK_COUNTERS: &str = concat!(
    recount_cte!(),
    "
    SELECT count(*) AS users,
           count(*) FILTER (WHERE u.followers_count <> r.followers_count) AS followers,
           count(*) FILTER (WHERE u.following_count <> r.following_count) AS following,
           count(*) FILTER (WHERE u.total_live_streams <> r.total_live_streams) AS live_streams,
           count(*) FILTER (WHERE u.credit_balance <> r.credit_balance) AS credit_balance,
           count(*) FILTER (WHERE u.credit_transaction_count <> r.credit_transaction_count)
               AS credit_transactions
    FROM users u JOIN recount r ON r.id = u.id"
);

/// Every user's number of credit transactions of each type, as the table says.
macro_rules! type_recount_cte {
    () => {
        "WITH recount AS (
             SELECT user_id, type, count(*) AS n FROM credit_transactions GROUP BY user_id, type
         )"
    };
}

/// Sets every stored per-(user, type) count to the recount: the rows the load
/// added, and any stored count of a (user, type) that has no record left
/// (to 0, as the trigger leaves it), so the table ends exact whatever was
/// there before.
pub(crate) const RECOMPUTE_TYPE_COUNTS: &str = concat!(
    type_recount_cte!(),
    ",
    emptied AS (
        UPDATE credit_transaction_type_counts c SET count = 0
        WHERE c.count <> 0
          AND NOT EXISTS (SELECT 1 FROM recount r WHERE r.user_id = c.user_id AND r.type = c.type)
    )
    INSERT INTO credit_transaction_type_counts AS c (user_id, type, count)
    SELECT user_id, type, n FROM recount
    ON CONFLICT (user_id, type) DO UPDATE SET count = excluded.count
    WHERE c.count <> excluded.count"
);

/// The (user, type) pairs whose stored count is not their number of records,
/// a missing row counting as 0.
pub(crate) const CHECK_TYPE_COUNTS: &str = concat!(
    type_recount_cte!(),
    "
    SELECT count(*)
    FROM credit_transaction_type_counts c
    FULL JOIN recount r ON r.user_id = c.user_id AND r.type = c.type
    WHERE coalesce(c.count, 0) <> coalesce(r.n, 0)"
);

/// `lead` over the newest-first order is the previous record in time; that
/// order is the history index's, so no sort is needed.
pub(crate) const CHECK_BALANCE_CHAINS: &str = "
    SELECT count(*)
    FROM (
        SELECT amount, balance_after,
               lead(balance_after) OVER (
                   PARTITION BY user_id ORDER BY created_at DESC, id DESC
               ) AS previous
        FROM credit_transactions
    ) t
    WHERE balance_after <> coalesce(previous, 0) + amount";
