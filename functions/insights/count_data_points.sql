-- How many data points an insight generation read for an organization: events (bots
-- excluded) in [p_from, p_to), plus subscribers who subscribed and orders placed in that
-- range. Recorded as insights.generation_runs.data_points_analyzed. Callable by members of
-- at least analyst role and service_role (42501 otherwise); 22023 when p_to <= p_from.
create or replace function insights.count_data_points(p_org_id uuid, p_from timestamptz, p_to timestamptz)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  perform app.assert_org_role(p_org_id, 'analyst');
  if p_from is null or p_to is null or p_to <= p_from then
    raise exception 'the range [%, %) is empty', p_from, p_to
      using errcode = '22023', hint = 'Pass the run''s comparison start and period end.';
  end if;
  return (select pg_catalog.count(*) from analytics.events e
          where e.org_id = p_org_id and e.occurred_at >= p_from and e.occurred_at < p_to and not e.is_bot)
       + (select pg_catalog.count(*) from audience.subscribers s
          where s.org_id = p_org_id and s.subscribed_at >= p_from and s.subscribed_at < p_to)
       + (select pg_catalog.count(*) from audience.orders o
          where o.org_id = p_org_id and o.occurred_at >= p_from and o.occurred_at < p_to);
end;
$$;
revoke execute on function insights.count_data_points(uuid, timestamptz, timestamptz) from public, anon;
grant execute on function insights.count_data_points(uuid, timestamptz, timestamptz) to authenticated, service_role;
comment on function insights.count_data_points(uuid, timestamptz, timestamptz) is
  'Data points behind an insight generation: non-bot events, new subscribers and orders of the organization in [p_from, p_to). Analyst or above and service_role; 22023 on an empty range.';
