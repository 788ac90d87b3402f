-- The twin of schema/sqlite/011_events_cert.sql, which keys a certificate's
-- events by the certificate's rowid for the tidy's deletes. PostgreSQL keeps
-- events_serial: its tidy (ca/store/pg_tidy.c) deletes a step's events by
-- serial in the statement that deletes the rows, and has no rowid to key
-- them by. This number is kept so both dialects count their migrations alike.
COMMENT ON INDEX events_serial IS 'a certificate''s events, for the tidy (ca/store/pg_tidy.c)';
