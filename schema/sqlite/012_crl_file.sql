-- The complete CRL's DER beside the database, not in it (issue 11). At a
-- million revoked certificates a CRL is 44 MB: recording it in the row
-- wrote 11,000 pages through the WAL and the checkpoint, 700 ms of the
-- 1.5 s a complete CRL took. It is now a file named by its SHA-256 in the
-- directory PATH-crl beside the database PATH (ca/store/sqlite_certs.c),
-- written once with no fsync: the row holds the hash, a reader checks it,
-- and a file that is missing or does not match reads as no CRL recorded,
-- so the next one is signed. der is then empty (X''); a row from before
-- keeps its DER there until the next CRL.
ALTER TABLE crl_state ADD COLUMN der_sha256 BLOB;
