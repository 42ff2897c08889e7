-- Runs last before every contract, inside its transaction: the fixtures it builds are
-- received at now() (its start), and the rollups it applies cover them only once every
-- other transaction of this database begun before that has ended (the engine's safe
-- bound, private.received_upper_bound). A quiet database answers at once; beside a short
-- transaction of another session (verify against a live database, a test beside it) the
-- contract waits for it, up to 30 s (tests.wait_for_earlier_transactions).
select tests.wait_for_earlier_transactions(pg_catalog.now());
