-- The priority of each insight type: tour and geographic opportunities, surges and churn
-- are high; platform, content, revenue and engagement medium; device and timing low.
-- Pure; callable by anyone signed in.
create or replace function insights.priority_of(p_type insights.insight_type)
returns insights.insight_priority
language sql
immutable
parallel safe
set search_path = ''
as $$
  select (case
            when p_type in ('city_growth', 'tour_gap', 'tour_timing', 'subscriber_surge', 'subscriber_churn', 'referrer_surge')
              then 'high'
            when p_type in ('device_shift', 'peak_activity')
              then 'low'
            else 'medium'
          end)::insights.insight_priority
$$;
revoke execute on function insights.priority_of(insights.insight_type) from public, anon;
grant execute on function insights.priority_of(insights.insight_type) to authenticated, service_role;
comment on function insights.priority_of(insights.insight_type) is
  'Priority of an insight type: high for city_growth, tour_gap, tour_timing, subscriber_surge, subscriber_churn, referrer_surge; low for device_shift, peak_activity; medium for the rest.';
