-- p_text cut to at most p_max characters, ending with an ellipsis when cut. Used to keep
-- names (cities, titles) short inside template titles of at most 80 characters.
-- Pure; callable by anyone signed in.
create or replace function insights.clip(p_text text, p_max integer)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when pg_catalog.char_length(p_text) <= p_max then p_text
              else pg_catalog.rtrim(pg_catalog.left(p_text, p_max - 1)) || '…' end
$$;
revoke execute on function insights.clip(text, integer) from public, anon;
grant execute on function insights.clip(text, integer) to authenticated, service_role;
comment on function insights.clip(text, integer) is 'Text cut to at most p_max characters, with an ellipsis when cut.';
