-- Runs last before every contract, inside its transaction: the fixtures it builds are
-- received at now() (its start), and the rollups it applies cover them only once every
-- other transaction of this database begun before that has ended (the engine's safe
-- bound, private.received_upper_bound). A quiet database answers at once; beside a short
-- transaction of another session (verify against a live database, a test beside it) the
-- contract waits for it, up to 30 s (tests.wait_for_earlier_transactions). Whether it
-- waited in vain is kept for the contract's diagnostics (setting tests.earlier_transactions:
-- 'none left' or 'ran out (30 s)').
select pg_catalog.set_config('tests.earlier_transactions',
                             case when tests.wait_for_earlier_transactions(pg_catalog.now()) then 'none left' else 'ran out (30 s)' end, true);
