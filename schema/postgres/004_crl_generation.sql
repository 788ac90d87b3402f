-- Which revocations a recorded CRL reflects (revocation_state.generation
-- when it was built): the twin of schema/sqlite/004_crl_generation.sql.
-- -1: built before this column, never taken as is.
ALTER TABLE crl_state ADD COLUMN generation BIGINT NOT NULL DEFAULT -1;
