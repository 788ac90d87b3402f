-- Which revocations a recorded CRL reflects (revocation_state.generation
-- when it was built). A process that needs a CRL takes the recorded one
-- when it is current for the present generation, instead of signing a new
-- one: `privca crl` writes the CRL the service serves, and a restart does
-- not use up a number. -1: built before this column, never taken as is.
ALTER TABLE crl_state ADD COLUMN generation INTEGER NOT NULL DEFAULT -1;
