-- The change feed's readers read below the oldest transaction that can still
-- write to it, not below the oldest one of the cluster (ADR 0011, "Only this
-- database's transactions hold the feed back").
--
-- A snapshot's xmin is cluster-wide: a long transaction in another database
-- of the same cluster (a bulk load, a report, a forgotten BEGIN) held every
-- reader of this feed back while it ran, and every read model stopped
-- trusting itself. A transaction writes to the database it is connected to
-- only, so one running elsewhere can never add a row here.
--
-- The horizon is the oldest transaction running in the caller's snapshot
-- that is not known to belong to another database (the snapshot's xmax if
-- there is none). A running transaction is known to belong to another
-- database when, at the time pg_stat_activity is read (after the snapshot
-- was taken), a backend of another database still shows it as its
-- transaction. One that has ended meanwhile, or that the caller may not see,
-- or a prepared transaction, counts as this database's: the horizon is only
-- ever lower than it could be, never above a transaction that may still
-- commit a row here. Every transaction below the horizon has therefore
-- either ended or cannot write here, which is what keyset paging on
-- (xid, seq) below it needs.
--
-- STABLE, so that pg_current_snapshot() is the calling statement's snapshot
-- (a STABLE function runs its queries in the caller's snapshot). PL/pgSQL
-- rather than SQL, so that its query is planned once per session and not on
-- every call (0.10 ms a call here against 0.24; the xmin alone, 0.07);
-- pg_stat_get_activity() rather than the pg_stat_activity view, which joins
-- names in. Transaction ids are compared on their low 32 bits
-- (pg_stat_get_activity shows xid, the snapshot xid8): transactions running
-- at once are less than 2^31 apart, so the low bits name one of them.
CREATE FUNCTION change_feed_settled_below() RETURNS xid8
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        SELECT COALESCE(min(running.xid), pg_snapshot_xmax(pg_current_snapshot()))
        FROM pg_snapshot_xip(pg_current_snapshot()) AS running (xid)
        WHERE NOT EXISTS (
            SELECT 1
            FROM pg_stat_get_activity(NULL) AS elsewhere
            WHERE elsewhere.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
              AND elsewhere.backend_xid::text::int8 = running.xid::text::int8 % 4294967296
        )
    );
END
$$;
