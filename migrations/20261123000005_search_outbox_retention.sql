-- The outbox is trimmed: the server instances delete rows older than the
-- retention (`PgSearch::trim_outbox`), and record here the highest `seq`
-- deleted. An index whose position is below it has missed changes that are
-- gone, so it is rebuilt from the users (`SearchSync::catch_up`).
CREATE TABLE search_outbox_horizon (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    trimmed_through bigint NOT NULL CHECK (trimmed_through >= 0)
);
INSERT INTO search_outbox_horizon (trimmed_through) VALUES (0);

-- Finds the newest row old enough to go without reading the others.
CREATE INDEX search_outbox_created_at ON search_outbox (created_at);
