-- Saves a view of the audience dashboards for the calling user: creates it (p_view_id
-- NULL) or replaces every setting of one of their own views. Returns its id.
-- Settings: p_name (1-100 characters, unique among the user's views of the
-- organization), p_filters (a JSON object, at most 8 kB, kept as given for the front end),
-- the date range (p_range_preset: today, last_7_days, last_30_days, last_90_days,
-- this_month, previous_month; or, with p_range_preset NULL, fixed local days
-- [p_range_from, p_range_to) of at most 366 days), p_attribution_model and
-- p_lookback_days (as public.get_audience_attribution), p_comparison (none,
-- previous_period, previous_year) and p_shared (true: every member of the organization
-- sees it).
-- Callable by signed-in members (viewer or above); the owner is auth.uid().
-- Errors: 42501 not a member, not signed in as a user (service_role has no views), or the
-- view is someone else's; P0002 no such view in the organization; 22023 a setting out of
-- range (the message names it); 23505 the user already has a view of that name.
create or replace function public.save_audience_view(
  p_org_id uuid, p_name text, p_filters jsonb default '{}', p_range_preset text default 'last_30_days',
  p_range_from date default null, p_range_to date default null, p_attribution_model text default 'first_touch',
  p_lookback_days integer default 30, p_comparison text default 'previous_period', p_shared boolean default false,
  p_view_id uuid default null)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_user  uuid;
  v_owner uuid;
  v_id    uuid;
begin
  perform app.assert_org_role(p_org_id, 'viewer');
  v_user := auth.uid();
  if v_user is null then
    raise exception 'saved views belong to a signed-in user'
      using errcode = '42501', hint = 'Call as the user who owns the view.';
  end if;
  if p_name is null or pg_catalog.char_length(pg_catalog.btrim(p_name)) not between 1 and 100 then
    raise exception 'view name must have 1 to 100 characters'
      using errcode = '22023', hint = 'Pass a non-empty name of at most 100 characters.';
  end if;
  if p_filters is null or pg_catalog.jsonb_typeof(p_filters) <> 'object' or pg_catalog.octet_length(p_filters::text) > 8192 then
    raise exception 'filters must be a JSON object of at most 8 kB'
      using errcode = '22023', hint = 'Pass e.g. {"source": "instagram"}; {} for none.';
  end if;
  if p_range_preset is not null and (p_range_from is not null or p_range_to is not null
       or p_range_preset not in ('today', 'last_7_days', 'last_30_days', 'last_90_days', 'this_month', 'previous_month')) then
    raise exception 'date range preset % is unknown or combined with fixed dates', pg_catalog.quote_literal(p_range_preset)
      using errcode = '22023', hint = 'Use today, last_7_days, last_30_days, last_90_days, this_month or previous_month, or NULL with p_range_from and p_range_to.';
  end if;
  if p_range_preset is null then
    perform private.assert_period(p_range_from, p_range_to);
  end if;
  if p_attribution_model is null or p_attribution_model not in ('first_touch', 'last_touch', 'last_non_direct') then
    raise exception 'unknown attribution model %', coalesce(pg_catalog.quote_literal(p_attribution_model), 'NULL')
      using errcode = '22023', hint = 'Use first_touch, last_touch or last_non_direct.';
  end if;
  if p_lookback_days is null or p_lookback_days not between 0 and 365 then
    raise exception 'lookback of % days is out of range', coalesce(p_lookback_days::text, 'NULL')
      using errcode = '22023', hint = 'Pass a lookback between 0 and 365 days.';
  end if;
  if p_comparison is null or p_comparison not in ('none', 'previous_period', 'previous_year') then
    raise exception 'unknown comparison %', coalesce(pg_catalog.quote_literal(p_comparison), 'NULL')
      using errcode = '22023', hint = 'Use none, previous_period or previous_year.';
  end if;

  if p_view_id is not null then
    select v.user_id into v_owner from audience.saved_views as v where v.org_id = p_org_id and v.id = p_view_id for update;
    if not found then
      raise exception 'saved view % not found', p_view_id using errcode = 'P0002', hint = 'Check the view id and organization.';
    end if;
    if v_owner <> v_user then
      raise exception 'only its owner can change saved view %', p_view_id
        using errcode = '42501', hint = 'Save a copy under your own name instead.';
    end if;
  end if;

  begin
    insert into audience.saved_views as v (org_id, id, user_id, name, filters, range_preset, range_from, range_to,
                                           attribution_model, lookback_days, comparison, shared)
    values (p_org_id, coalesce(p_view_id, pg_catalog.gen_random_uuid()), v_user, pg_catalog.btrim(p_name), p_filters,
            p_range_preset, p_range_from, p_range_to, p_attribution_model, p_lookback_days, p_comparison, coalesce(p_shared, false))
    on conflict on constraint pk_saved_views do update
      set name = excluded.name, filters = excluded.filters, range_preset = excluded.range_preset,
          range_from = excluded.range_from, range_to = excluded.range_to, attribution_model = excluded.attribution_model,
          lookback_days = excluded.lookback_days, comparison = excluded.comparison, shared = excluded.shared,
          updated_at = pg_catalog.now()
    returning v.id into v_id;
  exception when unique_violation then
    raise exception 'you already have a saved view named %', pg_catalog.quote_literal(pg_catalog.btrim(p_name))
      using errcode = '23505', hint = 'Choose another name, or pass that view''s id to replace it.';
  end;
  return v_id;
end;
$$;
revoke execute on function public.save_audience_view(uuid, text, jsonb, text, date, date, text, integer, text, boolean, uuid) from public, anon;
grant execute on function public.save_audience_view(uuid, text, jsonb, text, date, date, text, integer, text, boolean, uuid) to authenticated, service_role;
comment on function public.save_audience_view(uuid, text, jsonb, text, date, date, text, integer, text, boolean, uuid) is
  'Creates (p_view_id NULL) or replaces one of the caller''s saved audience views: name, filters (JSON object), date range (preset or fixed days), attribution model and lookback, comparison, shared with the organization or not. Returns its id. Signed-in members (viewer+); 42501 non-members, service_role or someone else''s view; P0002 unknown view; 22023 bad setting; 23505 duplicate name.';
