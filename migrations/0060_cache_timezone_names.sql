-- 0060: a cheap organization time-zone check. The trigger of 0002 scanned the view
-- pg_timezone_names for every inserted or re-zoned organization; that view reads and parses
-- every zone file of the server's tzdata (~40 ms quiet, ~110 ms under load, per row), so
-- seed.scale_orgs(1000) spent 40+ s in it. The names are now copied once into a table with
-- a primary key (a lookup of a few microseconds); a name missing from the copy (added by a
-- later tzdata, or simply unknown) still falls back to the view, so the accepted names and
-- the error (22023, same message and hint) stay exactly those of 0002.

create schema if not exists private;
revoke all on schema private from public;

create table private.timezone_names (
  name text not null,
  constraint pk_timezone_names primary key (name)
);
comment on table private.timezone_names is
  'Copy of pg_timezone_names.name taken when migration 0060 ran: the fast path of app.check_organization_timezone(). Names added by a later tzdata are still accepted through the view; refresh with insert ... select name from pg_timezone_names on conflict do nothing. Readable by the owner only.';

insert into private.timezone_names (name)
select distinct z.name from pg_catalog.pg_timezone_names z;

-- Rejects a time zone PostgreSQL does not know by its full name (exact, case-sensitive).
-- Looks the name up in private.timezone_names first, then in pg_timezone_names.
-- SECURITY DEFINER: reads private.timezone_names, which no API role may read. Trigger only.
create or replace function app.check_organization_timezone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if not exists (select 1 from private.timezone_names t where t.name = new.timezone)
     and not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = new.timezone) then
    raise exception 'unknown time zone "%"', new.timezone
      using errcode = '22023',
            hint = 'Use an IANA name listed in pg_timezone_names, e.g. ''UTC'' or ''Europe/Paris'' (names are case-sensitive).';
  end if;
  return new;
end;
$$;
revoke execute on function app.check_organization_timezone() from public, anon;
comment on function app.check_organization_timezone() is
  'Trigger: organizations.timezone must be a name in pg_timezone_names (22023 otherwise); looked up in the cached copy private.timezone_names first.';
